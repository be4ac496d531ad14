// Reference token ids for the text module's tokenizer test, from an independent implementation of Hugging Face
// tokenizers (Tokenizers.js, pure JavaScript; inferfn serves with the Rust library through DJL).
// Usage: npm ci && node reference.mjs <tokenizer.json> > ../../shared-model/text/src/test/resources/tokenizer-reference.json
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { Tokenizer } from "@huggingface/tokenizers";

const path = process.argv[2];
const bytes = readFileSync(path);
const json = JSON.parse(bytes.toString("utf8"));
// serve-time settings: no padding, no truncation (the test cuts to maxLength itself)
json.padding = null;
json.truncation = null;
const tokenizer = new Tokenizer(json, {});

const long = Array.from({ length: 300 }, (_, i) => `word${i} naïve café`).join(" ");
const texts = [
  "Hello, world!",
  "Café déjà vu: naïve façade, Ångström, Straße, İstanbul",
  "Emoji 😀👍🏽 and flags 🇫🇷 — plus a zero\u200Bwidth space",
  "中文分词测试，日本語のテキスト、한국어 문장",
  "UPPER lower MiXeD 12,345.67 3.14e-10 #hashtag @mention https://example.com/a?b=c",
  "   leading and trailing whitespace\t\n",
  "",
  long,
];
const cases = texts.map((text) => ({ text, ids: tokenizer.encode(text).ids }));
const version = JSON.parse(
  readFileSync(new URL("./node_modules/@huggingface/tokenizers/package.json", import.meta.url)),
).version;
// one case per line, so a diff shows which string changed
process.stdout.write(
  "{\n" +
    ` "generator": ${JSON.stringify("bench/tokenizer-reference/reference.mjs, @huggingface/tokenizers " + version)},\n` +
    ` "tokenizerSha256": "${createHash("sha256").update(bytes).digest("hex")}",\n` +
    ' "cases": [\n' +
    cases.map((c) => "  " + JSON.stringify(c)).join(",\n") +
    "\n ]\n}\n",
);
