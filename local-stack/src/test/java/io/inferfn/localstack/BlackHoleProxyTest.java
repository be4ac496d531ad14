package io.inferfn.localstack;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the tests of a Redis gone silent rely on: a black hole looks like a partition, not like a closed server. */
class BlackHoleProxyTest {

    private static final byte[] SET_K = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PING = "*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII);

    @Test
    void anOpenConnectionHearsNothingEitherWayAndIsNotClosedWhileNewConnectionsAreForwarded() throws IOException {
        try (LocalRedis redis = LocalRedis.startOnFreePort();
                BlackHoleProxy proxy = BlackHoleProxy.to(redis.port());
                Socket old = new Socket("127.0.0.1", proxy.port())) {
            assertThat(send(old, PING)).isEqualTo("+PONG");

            proxy.blackHole();

            old.getOutputStream().write(SET_K);
            old.setSoTimeout(1000);
            // no reply, and neither an end of stream (FIN) nor a reset (RST): the read just waits
            assertThatThrownBy(() -> old.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
            assertThat(redis.command("EXISTS", "k"))
                    .as("the SET never reached Redis")
                    .isEqualTo("0");
            try (Socket fresh = new Socket("127.0.0.1", proxy.port())) {
                assertThat(send(fresh, PING)).isEqualTo("+PONG");
            }
            assertThat(proxy.connectionsOpened()).isEqualTo(2);
        }
    }

    @Test
    void aSilencedProxyAcceptsConnectionsAnswersNothingAndDeliversWhatWaitedOnceItAnswersAgain() throws IOException {
        try (LocalRedis redis = LocalRedis.startOnFreePort();
                BlackHoleProxy proxy = BlackHoleProxy.to(redis.port())) {
            proxy.silence();
            try (Socket fresh = new Socket("127.0.0.1", proxy.port())) { // the connect succeeds
                fresh.getOutputStream().write(SET_K);
                fresh.setSoTimeout(1000);
                assertThatThrownBy(() -> fresh.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
                assertThat(redis.command("EXISTS", "k"))
                        .as("the SET has not reached Redis")
                        .isEqualTo("0");

                proxy.answerAgain();

                fresh.setSoTimeout(10_000);
                assertThat(send(fresh, PING))
                        .as("the SET written while silent is answered first")
                        .isEqualTo("+OK");
                assertThat(redis.command("EXISTS", "k")).isEqualTo("1");
            }
        }
    }

    /** Writes {@code command} and reads its one-line reply, through its CRLF. */
    private static String send(Socket socket, byte[] command) throws IOException {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(command);
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("the connection ended after " + line);
            }
            line.append((char) c);
        }
        return line.toString().strip(); // without the \r
    }
}
