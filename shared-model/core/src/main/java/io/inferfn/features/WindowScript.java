package io.inferfn.features;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Redis script that reads and updates every window one scoring call touches, atomically, in
 * the call's one round trip (Lua 5.1, {@code EVAL}/{@code EVALSHA}: Redis 6.2 and later; Redis
 * functions would need 7). A {@link WindowUpdate} writes its {@code KEYS} and {@code ARGV}.
 *
 * <p>Per window, three keys: {@code <key>}, a list of its readings, oldest first, each {@code
 * "<partition> <offset> <event time> <value>"}; {@code <key>:at}, a hash of the highest offset
 * applied per stream partition; {@code <key>:seen}, a list of the statistics the last {@code
 * replay} readings were scored with. A reading at or below its partition's highest offset was
 * applied before (a redelivery: a rebalance, a Lambda retry, a consumer that crashed before
 * committing): it is not appended again, and it is answered with the statistics it was first scored
 * with while they are kept (after that, with the window as it is). A reading without a position
 * only reads. The keys expire {@code ttl} seconds after the window's last new reading.
 *
 * <p>ARGV: the number of window definitions D; per definition {@code timed} (0/1), {@code size} (N
 * readings or T seconds) and {@code ttl}; the time windows' reading cap; {@code replay}; then per
 * reading, in order: its window (1-based, keys {@code 3w-2 .. 3w}), its definition, partition,
 * offset, event time (epoch seconds) and value.
 *
 * <p>The statistics are over the readings before the one scored: a count window's last N (the list
 * holds exactly those), a time window's readings whose event time is in {@code (t - T, t]}. The
 * reply is six strings per reading ({@code count mean std min max last}, empty where the window is
 * empty): Lua numbers would reach the client as truncated integers.
 */
public final class WindowScript {

    private WindowScript() {}

    /** Values per reading in the reply: count, mean, std, min, max, last. */
    public static final int STATS = 6;

    /** The script's source. */
    public static final String SOURCE =
            """
            local nd = tonumber(ARGV[1])
            local dtimed, dsize, dttl = {}, {}, {}
            local a = 2
            for d = 1, nd do
              dtimed[d] = ARGV[a] == '1'
              dsize[d] = tonumber(ARGV[a + 1])
              dttl[d] = tonumber(ARGV[a + 2])
              a = a + 3
            end
            local cap, keep = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
            a = a + 2
            local timed, size, ttl = {}, {}, {}
            local entries, first, added, dropped = {}, {}, {}, {}
            local replay, pending = {}, {}
            local function trim(w, e, t)
              local keep = timed[w] and cap or size[w]
              while first[w] <= #e and (#e - first[w] + 1 > keep or (t and timed[w] and e[first[w]].t <= t - size[w])) do
                first[w] = first[w] + 1
                dropped[w] = dropped[w] + 1
              end
            end
            local function load(w)
              local e = entries[w]
              if e then return e end
              e = {}
              local raw = redis.call('LRANGE', KEYS[3 * w - 2], 0, -1)
              for i = 1, #raw do
                local f = {}
                for x in string.gmatch(raw[i], '%S+') do f[#f + 1] = x end
                f.t = tonumber(f[3])
                f.v = tonumber(f[4])
                e[i] = f
              end
              entries[w], first[w], added[w], dropped[w], pending[w] = e, 1, {}, 0, {}
              trim(w, e, nil)
              return e
            end
            local function after(p, q)
              if #p ~= #q then return #p > #q end
              return p > q
            end
            local function num(x)
              return string.format('%.17g', x)
            end
            local function stats(w, e, t)
              local n, sum, mn, mx, last = 0, 0, nil, nil, nil
              for i = first[w], #e do
                local f = e[i]
                if not timed[w] or (f.t > t - size[w] and f.t <= t) then
                  n = n + 1
                  sum = sum + f.v
                  if mn == nil or f.v < mn then mn = f.v end
                  if mx == nil or f.v > mx then mx = f.v end
                  last = f.v
                end
              end
              if n == 0 then return {'0', '', '', '', '', ''} end
              local mean = sum / n
              local sq = 0
              for i = first[w], #e do
                local f = e[i]
                if not timed[w] or (f.t > t - size[w] and f.t <= t) then
                  sq = sq + (f.v - mean) * (f.v - mean)
                end
              end
              return {tostring(n), num(mean), num(math.sqrt(sq / n)), num(mn), num(mx), num(last)}
            end
            local function replayed(w, field, pos)
              local r = replay[w]
              if not r then
                r = redis.call('LRANGE', KEYS[3 * w], 0, -1)
                for _, line in ipairs(pending[w]) do r[#r + 1] = line end
                replay[w] = r
              end
              local prefix = field .. ' ' .. pos .. ' '
              for i = #r, 1, -1 do
                if string.sub(r[i], 1, #prefix) == prefix then
                  local s = {}
                  for x in string.gmatch(string.sub(r[i], #prefix + 1), '%S+') do
                    s[#s + 1] = x == '-' and '' or x
                  end
                  return s
                end
              end
              return nil
            end
            local out = {}
            while a <= #ARGV do
              local w, d = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
              local field, pos, ts, value = ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5]
              a = a + 6
              timed[w], size[w], ttl[w] = dtimed[d], dsize[d], dttl[d]
              local t = tonumber(ts)
              local e = load(w)
              local s = nil
              local fresh = field ~= ''
              if fresh then
                local seen = redis.call('HGET', KEYS[3 * w - 1], field)
                if seen and not after(pos, seen) then
                  fresh = false
                  s = replayed(w, field, pos)
                end
              end
              if s == nil then s = stats(w, e, t) end
              for j = 1, 6 do out[#out + 1] = s[j] end
              if fresh then
                local f = {field, pos, ts, value}
                f.t = t
                f.v = tonumber(value)
                e[#e + 1] = f
                added[w][#added[w] + 1] = table.concat(f, ' ')
                local r = {field, pos}
                for j = 1, 6 do r[j + 2] = s[j] == '' and '-' or s[j] end
                local line = table.concat(r, ' ')
                pending[w][#pending[w] + 1] = line
                if replay[w] then replay[w][#replay[w] + 1] = line end
                redis.call('HSET', KEYS[3 * w - 1], field, pos)
                trim(w, e, t)
              end
            end
            local function push(key, lines)
              for i = 1, #lines, 1000 do
                redis.call('RPUSH', key, unpack(lines, i, math.min(i + 999, #lines)))
              end
            end
            for w, lines in pairs(added) do
              if #lines > 0 then
                push(KEYS[3 * w - 2], lines)
                if dropped[w] > 0 then redis.call('LTRIM', KEYS[3 * w - 2], dropped[w], -1) end
                push(KEYS[3 * w], pending[w])
                redis.call('LTRIM', KEYS[3 * w], -keep, -1)
                for k = 2, 0, -1 do redis.call('EXPIRE', KEYS[3 * w - k], ttl[w]) end
              end
            end
            return out
            """;

    /** The script's SHA-1, for {@code EVALSHA}. */
    public static final String SHA1 = sha1(SOURCE);

    private static String sha1(String source) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-1", e);
        }
    }
}
