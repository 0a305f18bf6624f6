package com.cryptomaltese.gateway.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The Hub's wire format on loopback for the download benchmark (tools/bench/download.sh), in a
 * process of its own so that its CPU time is not counted to either client. One repository,
 * {@code bench/one-gib} at commit {@link #COMMIT}, holding one LFS file, {@code model.safetensors}
 * (the file given): the listing {@code /api/models/bench/one-gib/revision/main?blobs=true} with its
 * sha256 and size, {@code /bench/one-gib/resolve/<rev>/model.safetensors} answering 302 to
 * {@code /cdn/<sha256>} with X-Repo-Commit, X-Linked-Etag and X-Linked-Size as the Hub does, and the
 * CDN path serving the bytes (Range honoured) with sendfile, so that the server is not what limits
 * either client. A plain HTTP/1.1 server of its own (keep-alive, GET only), fast enough to measure clients.
 *
 * <pre>java -cp ... com.cryptomaltese.gateway.bench.HubBenchServer FILE [PORT]</pre>
 * Prints "url=..." and "sha256=..." once it serves.
 */
public final class HubBenchServer {

    static final String REPO = "bench/one-gib";
    static final String COMMIT = "be0c4be0c4be0c4be0c4be0c4be0c4be0c4be0c4";
    private static final int CHUNK = 1 << 20;

    private final Path file;
    private final long size;
    private final String sha256;
    private final String blobId;

    private HubBenchServer(Path file) throws Exception {
        this.file = file;
        this.size = Files.size(file);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        MessageDigest git = MessageDigest.getInstance("SHA-1");
        git.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[CHUNK];
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
                git.update(buffer, 0, n);
            }
        }
        this.sha256 = HexFormat.of().formatHex(sha.digest());
        this.blobId = HexFormat.of().formatHex(git.digest());
    }

    public static void main(String[] args) throws Exception {
        HubBenchServer bench = new HubBenchServer(Path.of(args[0]));
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", port), 64);
        System.out.println("url=http://127.0.0.1:" + ((InetSocketAddress) server.getLocalAddress()).getPort());
        System.out.println("sha256=" + bench.sha256);
        System.out.println("size=" + bench.size);
        System.out.flush();
        while (true) {
            SocketChannel client = server.accept();
            Thread connection = new Thread(() -> bench.connection(client), "bench-connection");
            connection.setDaemon(true);
            connection.start();
        }
    }

    /** HTTP/1.1 with keep-alive: request after request on one connection until the client closes it. */
    private void connection(SocketChannel client) {
        try (client; FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            InputStream requests = new BufferedInputStream(Channels.newInputStream(client));
            String head;
            while ((head = readHead(requests)) != null) {
                answer(client, in, head);
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private void answer(SocketChannel client, FileChannel in, String head) throws IOException {
        String[] lines = head.split("\r\n");
        String path = lines[0].split(" ")[1];
        int query = path.indexOf('?');
        path = query < 0 ? path : path.substring(0, query);
        String range = null;
        for (String line : lines) {
            if (line.regionMatches(true, 0, "Range:", 0, 6)) {
                range = line.substring(6).trim();
            }
        }
        if (path.equals("/api/models/" + REPO + "/revision/main")) {
            byte[] body = ("{\"id\":\"" + REPO + "\",\"sha\":\"" + COMMIT + "\",\"siblings\":[{\"rfilename\":"
                    + "\"model.safetensors\",\"blobId\":\"" + blobId + "\",\"size\":" + size + ",\"lfs\":{\"sha256\":\""
                    + sha256 + "\",\"size\":" + size + ",\"pointerSize\":134}}]}").getBytes(StandardCharsets.UTF_8);
            write(client, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                    + "\r\n\r\n", body);
        } else if (path.startsWith("/" + REPO + "/resolve/") && path.endsWith("/model.safetensors")) {
            write(client, "HTTP/1.1 302 Found\r\nX-Repo-Commit: " + COMMIT + "\r\nX-Linked-Etag: \"" + sha256
                    + "\"\r\nX-Linked-Size: " + size + "\r\nETag: \"" + blobId + "\"\r\nLocation: /cdn/" + sha256
                    + "\r\nContent-Length: 0\r\n\r\n", new byte[0]);
        } else if (path.equals("/cdn/" + sha256)) {
            long start = 0;
            if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
                start = Math.min(size, Long.parseLong(range.substring(6, range.length() - 1)));
            }
            write(client, "HTTP/1.1 " + (start > 0 ? "206 Partial Content" : "200 OK")
                    + "\r\nContent-Type: application/octet-stream\r\nAccept-Ranges: bytes\r\nContent-Length: "
                    + (size - start) + (start > 0 ? "\r\nContent-Range: bytes " + start + "-" + (size - 1) + "/" + size : "")
                    + "\r\n\r\n", new byte[0]);
            // sendfile: the bytes go from the page cache to the socket without passing through this process.
            for (long at = start; at < size; ) {
                at += in.transferTo(at, Math.min(CHUNK * 64L, size - at), client);
            }
        } else {
            write(client, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", new byte[0]);
        }
    }

    private static void write(SocketChannel client, String head, byte[] body) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(head.length() + body.length);
        out.put(head.getBytes(StandardCharsets.US_ASCII)).put(body).flip();
        while (out.hasRemaining()) {
            client.write(out);
        }
    }

    /** The request line and headers, or null at the end of the connection. */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            head.append((char) c);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                return head.substring(0, head.length() - 4);
            }
            if (head.length() > 16384) {
                throw new IOException("request head too long");
            }
        }
        return null;
    }
}
