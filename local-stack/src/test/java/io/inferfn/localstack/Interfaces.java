package io.inferfn.localstack;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.util.Collections;

import org.junit.jupiter.api.Assumptions;

/** This machine's network addresses, to check what a server can be reached on. */
final class Interfaces {

    private Interfaces() {}

    /** An IPv4 address of this machine that is not loopback; the test is skipped on a machine without one. */
    static InetAddress nonLoopbackAddress() throws SocketException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return a;
                }
            }
        }
        Assumptions.abort("this machine has no non-loopback IPv4 address to test against");
        return null;
    }

    /** Whether a TCP connection to {@code address:port} is accepted. */
    static boolean accepts(InetAddress address, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
