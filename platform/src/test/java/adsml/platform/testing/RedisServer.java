package adsml.platform.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * A {@code redis-server} of the test's own, on a free loopback port, without persistence: started as a child process,
 * stopped, paused and restarted by the test, killed on {@link #close}. Tests that need one skip when Debian's
 * {@code redis-server} is not installed, except under CI ({@code CI=true}), where a skip would hide them: there they
 * fail.
 */
public final class RedisServer implements AutoCloseable {
    private final Path executable;
    private final int port;
    private Process process;

    private RedisServer(Path executable, int port) {
        this.executable = executable;
        this.port = port;
    }

    /** Starts one, or skips (fails under CI) the calling test when {@code redis-server} is not installed. */
    public static RedisServer start() throws IOException, InterruptedException {
        Optional<Path> executable = find();
        if (executable.isEmpty()) {
            String why = "redis-server is not installed (Debian: apt-get install redis-server)";
            if ("true".equals(System.getenv("CI"))) {
                fail(why + "; CI must run the Redis tests, not skip them");
            }
            Assumptions.abort(why + ": skipping the Redis tests");
        }
        RedisServer server;
        try (ServerSocket s = new ServerSocket(0)) {
            server = new RedisServer(executable.get(), s.getLocalPort());
        }
        server.startAgain();
        return server;
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Kills it and waits until it is gone: its data goes with it. */
    public void stop() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor();
            process = null;
        }
    }

    /** Starts it again on the same port, empty, and waits until it answers. */
    public void startAgain() throws IOException, InterruptedException {
        process = new ProcessBuilder(
                        executable.toString(),
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!answers()) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                stop();
                throw new IOException("redis-server did not answer on port " + port + " within 10 s");
            }
            Thread.sleep(20);
        }
    }

    /** Freezes it (SIGSTOP): connections stay open and nothing answers, as a Redis far too slow. */
    public void pause() throws IOException, InterruptedException {
        signal("-STOP");
    }

    public void resume() throws IOException, InterruptedException {
        signal("-CONT");
    }

    @Override
    public void close() throws IOException {
        try {
            if (process != null) {
                resume();
            }
            stop();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void signal(String signal) throws IOException, InterruptedException {
        new ProcessBuilder("kill", signal, Long.toString(process.pid()))
                .inheritIO()
                .start()
                .waitFor();
    }

    private boolean answers() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] reply = in.readNBytes(7);
            return new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    private static Optional<Path> find() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : List.of(path.split(File.pathSeparator))) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "redis-server");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        Path debian = Path.of("/usr/bin/redis-server");
        return Files.isExecutable(debian) ? Optional.of(debian) : Optional.empty();
    }
}
