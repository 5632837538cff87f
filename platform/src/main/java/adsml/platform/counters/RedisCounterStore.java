package adsml.platform.counters;

import static adsml.platform.counters.Counters.VALUES;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The counters in Redis, shared by every server that names the same Redis and key prefix, with the embedded store's
 * semantics: the same state per key (last update time and 16 floats, one 72-byte string under {@code prefix + key}),
 * the same arithmetic ({@link CounterMath}; the script below repeats its {@code add}), so both stores read the same for
 * the same updates.
 *
 * <p>A {@link #read} is one {@code MGET} of all its keys, decayed here; an {@link #add} is one script call per 256
 * updates, all sent before any answer is awaited, each decaying and adding atomically inside Redis. Every key is
 * written with a time to live, so keys of ads and users that stopped having events leave Redis by themselves.
 *
 * <p>Each call waits at most the configured timeout, then throws {@link CounterStoreException}; while Redis is down
 * calls fail at once rather than queue, and the client reconnects in the background (every second at the longest). An
 * {@code add} that throws may have applied part of its batch.
 */
public final class RedisCounterStore implements CounterStore {
    private static final Logger log = LoggerFactory.getLogger(RedisCounterStore.class);

    /** Bytes of a key's state: its last update time (a double, exact for epoch milliseconds) and 16 floats. */
    static final int STATE_BYTES = 8 + VALUES * 4;

    private static final int UPDATES_PER_CALL = 256;

    /**
     * KEYS: one per update. ARGV[1]: time to live in ms; then per update its measure (0-based), amount and time. Lua
     * numbers are doubles, and struct packs to float as Java's cast does, so each step rounds as CounterMath's.
     */
    static final String SCRIPT = """
            local fmt = '<dffffffffffffffff'
            local day = 86400000
            local ttl = ARGV[1]
            local function factors(e)
              local d = math.exp(-e / day)
              local d2 = d * d
              local d4 = d2 * d2
              local d8 = d4 * d4
              local h = d8 * d8 * d8
              local h2 = h * h
              local h4 = h2 * h2
              local m = h4 * h4 * h4
              return {m, h, d}
            end
            for i = 1, #KEYS do
              local a = 2 + (i - 1) * 3
              local measure = tonumber(ARGV[a]) + 1
              local amount = tonumber(ARGV[a + 1])
              local t = tonumber(ARGV[a + 2])
              local blob = redis.call('GET', KEYS[i])
              local last = t
              local v = {}
              if blob and string.len(blob) == 72 then
                local u = {struct.unpack(fmt, blob)}
                last = u[1]
                for k = 1, 16 do v[k] = u[k + 1] end
              else
                for k = 1, 16 do v[k] = 0 end
              end
              if t >= last then
                local f = factors(t - last)
                for w = 0, 2 do
                  for m = 1, 4 do
                    local x = v[w * 4 + m] * f[w + 1]
                    if m == measure then x = x + amount end
                    v[w * 4 + m] = x
                  end
                end
                if math.floor(t / day) > math.floor(last / day) then
                  for m = 13, 16 do v[m] = 0 end
                end
                v[12 + measure] = v[12 + measure] + amount
                last = t
              else
                local f = factors(last - t)
                for w = 0, 2 do
                  v[w * 4 + measure] = v[w * 4 + measure] + amount * f[w + 1]
                end
                if math.floor(t / day) == math.floor(last / day) then
                  v[12 + measure] = v[12 + measure] + amount
                end
              end
              redis.call('SET', KEYS[i], struct.pack(fmt, last, unpack(v)), 'PX', ttl)
            end
            return #KEYS
            """;

    private static final String SCRIPT_SHA = sha1(SCRIPT);

    private final RedisURI uri;
    private final Duration timeout;
    private final byte[] prefix;
    private final byte[] ttlMs;
    private final ClientResources resources;
    private final RedisClient client;
    private final ReentrantLock connecting = new ReentrantLock();
    private volatile StatefulRedisConnection<byte[], byte[]> connection;

    /**
     * Connects to Redis at {@code uri}; one that does not answer yet is connected to by the first call after it does.
     *
     * @param timeout the longest a call waits for Redis
     * @param keyPrefix put before every key
     * @param ttl how long a key lives after its last update
     */
    public RedisCounterStore(String uri, Duration timeout, String keyPrefix, Duration ttl) {
        this.uri = RedisURI.create(uri);
        this.uri.setTimeout(timeout);
        this.timeout = timeout;
        this.prefix = keyPrefix.getBytes(StandardCharsets.UTF_8);
        this.ttlMs = Long.toString(ttl.toMillis()).getBytes(StandardCharsets.US_ASCII);
        this.resources = ClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(
                        Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
                .timeoutOptions(TimeoutOptions.builder().fixedTimeout(timeout).build())
                .build());
        try {
            connection();
        } catch (CounterStoreException e) {
            log.warn("Counters: Redis at {} does not answer yet ({}); reads fail until it does", uri, e.getMessage());
        }
    }

    @Override
    public void add(CounterUpdates updates) {
        CounterMath.requireKeys(updates);
        int n = updates.size();
        if (n == 0) {
            return;
        }
        RedisAsyncCommands<byte[], byte[]> redis = connection().async();
        List<byte[][]> keys = new ArrayList<>();
        List<byte[][]> args = new ArrayList<>();
        for (int from = 0; from < n; from += UPDATES_PER_CALL) {
            int m = Math.min(UPDATES_PER_CALL, n - from);
            byte[][] k = new byte[m][];
            byte[][] a = new byte[1 + 3 * m][];
            a[0] = ttlMs;
            for (int i = 0; i < m; i++) {
                int u = from + i;
                k[i] = redisKey(updates.key(u));
                a[1 + 3 * i] = ascii(Integer.toString(updates.measure(u)));
                // The float's exact value as a double, so that the script adds exactly what the embedded store adds.
                a[2 + 3 * i] = ascii(Double.toString(updates.amount(u)));
                a[3 + 3 * i] = ascii(Long.toString(updates.timeMs(u)));
            }
            keys.add(k);
            args.add(a);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Integer> all = new ArrayList<>(keys.size());
        for (int c = 0; c < keys.size(); c++) {
            all.add(c);
        }
        List<Integer> forgotten = call(redis, keys, args, all, deadline);
        if (!forgotten.isEmpty()) {
            // Redis restarted and forgot the script, so those calls did not run: teach it once, then send them again.
            await(dispatch(() -> redis.scriptLoad(SCRIPT)), deadline, "add");
            forgotten = call(redis, keys, args, forgotten, deadline);
            if (!forgotten.isEmpty()) {
                throw new CounterStoreException(
                        "Redis at " + uri + " forgot the counter script twice in one add", null);
            }
        }
    }

    /**
     * Sends the script calls {@code which}, all before awaiting any, and returns those that Redis refused because it
     * did not know the script.
     */
    private List<Integer> call(
            RedisAsyncCommands<byte[], byte[]> redis,
            List<byte[][]> keys,
            List<byte[][]> args,
            List<Integer> which,
            long deadline) {
        List<RedisFuture<Long>> calls = new ArrayList<>(which.size());
        for (int c : which) {
            calls.add(dispatch(() -> redis.evalsha(SCRIPT_SHA, ScriptOutputType.INTEGER, keys.get(c), args.get(c))));
        }
        List<Integer> forgotten = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            try {
                await(calls.get(i), deadline, "add");
            } catch (CounterStoreException e) {
                if (!(e.getCause() instanceof RedisNoScriptException)) {
                    throw e;
                }
                forgotten.add(which.get(i));
            }
        }
        return forgotten;
    }

    @Override
    public void read(long[] keys, int n, long nowMs, float[] out) {
        if (n > keys.length || (long) n * VALUES > out.length) {
            throw new IllegalArgumentException(
                    "n = " + n + " keys need out.length >= " + (long) n * VALUES + ", was " + out.length);
        }
        if (n == 0) {
            return;
        }
        byte[][] redisKeys = new byte[n][];
        for (int i = 0; i < n; i++) {
            redisKeys[i] = redisKey(keys[i]);
        }
        RedisAsyncCommands<byte[], byte[]> redis = connection().async();
        List<KeyValue<byte[], byte[]>> states =
                await(dispatch(() -> redis.mget(redisKeys)), System.nanoTime() + timeout.toNanos(), "read");
        double[] f = new double[3];
        long nowMidnight = CounterMath.midnight(nowMs);
        for (int i = 0; i < n; i++) {
            int off = i * VALUES;
            KeyValue<byte[], byte[]> state = states.get(i);
            // A value of another length is not ours (another program under the same prefix): it reads as never counted.
            if (!state.hasValue() || state.getValue().length != STATE_BYTES) {
                CounterMath.zero(out, off);
                continue;
            }
            ByteBuffer buf = ByteBuffer.wrap(state.getValue()).order(ByteOrder.LITTLE_ENDIAN);
            long last = (long) buf.getDouble(0);
            for (int v = 0; v < VALUES; v++) {
                out[off + v] = buf.getFloat(8 + 4 * v);
            }
            CounterMath.decayForRead(out, off, last, nowMs, nowMidnight, f);
        }
    }

    /**
     * Redis shares its keys with other servers and bounds them by time, not count: keys and maxKeys are -1. The bytes
     * per key are its name and value; Redis's own bookkeeping and the expiry add about 125 more (Redis 7.0: 100,000
     * keys under the default prefix took 21.5 MB).
     */
    @Override
    public Stats stats() {
        return new Stats(-1, -1, prefix.length + 8 + STATE_BYTES, 0);
    }

    @Override
    public boolean durable() {
        return true;
    }

    @Override
    public void close() {
        StatefulRedisConnection<byte[], byte[]> c = connection;
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    private byte[] redisKey(long key) {
        byte[] k = new byte[prefix.length + 8];
        System.arraycopy(prefix, 0, k, 0, prefix.length);
        ByteBuffer.wrap(k, prefix.length, 8).putLong(key);
        return k;
    }

    private StatefulRedisConnection<byte[], byte[]> connection() {
        StatefulRedisConnection<byte[], byte[]> c = connection;
        if (c != null) {
            return c;
        }
        // One thread connects; the others fail at once instead of queueing behind it.
        if (!connecting.tryLock()) {
            throw new CounterStoreException("not connected to Redis at " + uri + " yet", null);
        }
        try {
            c = connection;
            if (c == null) {
                c = client.connect(ByteArrayCodec.INSTANCE, uri);
                RedisAsyncCommands<byte[], byte[]> redis = c.async();
                try {
                    await(dispatch(() -> redis.scriptLoad(SCRIPT)), System.nanoTime() + timeout.toNanos(), "script");
                } catch (CounterStoreException e) {
                    c.close();
                    throw e;
                }
                connection = c;
            }
            return c;
        } catch (RedisException e) {
            throw new CounterStoreException("cannot connect to Redis at " + uri + ": " + e.getMessage(), e);
        } finally {
            connecting.unlock();
        }
    }

    private interface Call<T> {
        RedisFuture<T> send();
    }

    /** Lettuce may refuse a command as it is sent (while disconnected) rather than through its future. */
    private static <T> RedisFuture<T> dispatch(Call<T> call) {
        try {
            return call.send();
        } catch (RedisException e) {
            throw new CounterStoreException("Redis refused the call: " + e.getMessage(), e);
        }
    }

    private <T> T await(RedisFuture<T> future, long deadlineNanos, String what) {
        try {
            return future.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new CounterStoreException(
                    "Redis at " + uri + " did not answer the " + what + " within " + timeout, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new CounterStoreException(
                    "Redis at " + uri + " failed the " + what + ": " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CounterStoreException("interrupted while waiting for Redis", e);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String sha1(String script) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-1", e);
        }
    }
}
