package io.inferfn.localstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away self-signed certificate for one host name (subject and {@code subjectAltName}
 * {@code DNS:<host>}), with its private key, as the PEM files TLS servers such as
 * {@code redis-server} take. A client that trusts the certificate itself (as its CA) can then
 * connect, and checks the host name against it.
 *
 * <p>Made with the JDK's {@code keytool} (the JDK has no public API to issue X.509 certificates),
 * so nothing beyond a JDK is needed; the key is read back from keytool's PKCS#12 store.
 */
public record SelfSignedCertificate(String host, Path certificate, Path privateKey) {

    private static final char[] STORE_PASSWORD = "inferfn-test".toCharArray();

    /** Issues one for {@code host} (valid two days) into {@code dir}: {@code <host>.crt} and {@code <host>.key}. */
    public static SelfSignedCertificate create(String host, Path dir) {
        try {
            Files.createDirectories(dir);
            Path store = dir.resolve(host + ".p12");
            Files.deleteIfExists(store);
            keytool(List.of(
                    "-genkeypair",
                    "-alias",
                    "server",
                    "-keyalg",
                    "EC",
                    "-groupname",
                    "secp256r1",
                    "-dname",
                    "CN=" + host,
                    "-ext",
                    "SAN=dns:" + host,
                    "-validity",
                    "2",
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    store.toString(),
                    "-storepass",
                    new String(STORE_PASSWORD)));
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keyStore.load(in, STORE_PASSWORD);
            }
            Key key = keyStore.getKey("server", STORE_PASSWORD);
            Certificate cert = keyStore.getCertificate("server");
            Path certificate = dir.resolve(host + ".crt");
            Path privateKey = dir.resolve(host + ".key");
            Files.writeString(certificate, pem("CERTIFICATE", cert.getEncoded()));
            Files.writeString(privateKey, pem("PRIVATE KEY", key.getEncoded())); // PKCS#8
            return new SelfSignedCertificate(host, certificate, privateKey);
        } catch (IOException e) {
            throw new UncheckedIOException("could not issue a test certificate for " + host + " in " + dir, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not read the test certificate keytool issued for " + host, e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void keytool(List<String> args) throws IOException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = new java.util.ArrayList<>();
        command.add(keytool.toString());
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (InputStream out = process.getInputStream()) {
            output = new String(out.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(keytool + " did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + keytool, e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(
                    keytool + " " + args.get(0) + " failed (exit " + process.exitValue() + "): " + output);
        }
    }
}
