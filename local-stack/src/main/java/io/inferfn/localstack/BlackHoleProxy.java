package io.inferfn.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.netcrusher.core.reactor.NioReactor;
import org.netcrusher.tcp.TcpCrusher;
import org.netcrusher.tcp.TcpCrusherBuilder;

/**
 * A TCP proxy on loopback in front of a real server, for tests of a server that goes silent: {@link #blackHole()}
 * stops forwarding on the connections open at that moment, in both directions, and leaves their sockets open (no FIN,
 * no RST), as a network partition, a failover to another host or a stopped VM does; connections opened afterwards are
 * forwarded as before. Built on NetCrusher ({@code com.github.netcrusherorg:netcrusher-core}, NIO in the JVM): a
 * test module that uses it declares that dependency too.
 */
public final class BlackHoleProxy implements AutoCloseable {

    private final NioReactor reactor;
    private final TcpCrusher crusher;
    private final int port;

    private BlackHoleProxy(NioReactor reactor, TcpCrusher crusher, int port) {
        this.reactor = reactor;
        this.crusher = crusher;
        this.port = port;
    }

    /** A proxy on a free loopback port forwarding to {@code 127.0.0.1:targetPort}. */
    public static BlackHoleProxy to(int targetPort) {
        int port = LocalRedis.freePort();
        NioReactor reactor = null;
        try {
            reactor = new NioReactor();
            TcpCrusher crusher = TcpCrusherBuilder.builder()
                    .withReactor(reactor)
                    .withBindAddress("127.0.0.1", port)
                    .withConnectAddress("127.0.0.1", targetPort)
                    .buildAndOpen();
            return new BlackHoleProxy(reactor, crusher, port);
        } catch (IOException | RuntimeException e) {
            if (reactor != null) {
                reactor.close();
            }
            throw new UncheckedIOException(
                    "could not open a proxy on 127.0.0.1:" + port + " to port " + targetPort,
                    e instanceof IOException io ? io : new IOException(e));
        }
    }

    /** The port clients connect to instead of the server's. */
    public int port() {
        return port;
    }

    /**
     * From now on nothing passes, either way, on the connections open now; their sockets stay open, so neither side
     * hears of it. New connections are forwarded.
     */
    public void blackHole() {
        crusher.freezeAllPairs();
    }

    /**
     * From now on nothing passes on any connection, open now or opened later: a new connection is accepted by the
     * operating system (the client's connect succeeds) and then nothing is read from it or sent to it, as with a
     * server that hangs. {@link #answerAgain()} ends it.
     */
    public void silence() {
        crusher.freeze();
    }

    /**
     * Ends {@link #silence()}: the connections waiting to be accepted are accepted and forwarded, and what clients
     * wrote meanwhile reaches the server.
     */
    public void answerAgain() {
        crusher.unfreeze();
    }

    /** How many connections clients have opened through the proxy since it started. */
    public int connectionsOpened() {
        return crusher.getClientTotalCount();
    }

    @Override
    public void close() {
        crusher.close();
        reactor.close();
    }
}
