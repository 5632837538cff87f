package adsml.platform.store;

import adsml.platform.domain.User;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * A {@link UserStore} in an embedded RocksDB database in one folder, users encoded as described in {@link UserCodec}
 * (4-byte big-endian id key, 45-byte little-endian value for a demo user).
 *
 * <p>Contract: data survives {@link #close} and a later {@link #open} of the same folder; a record that cannot be
 * decoded throws {@link CorruptRecordException} naming the user id; engine failures throw {@link StoreException}.
 * Thread-safe: RocksDB serves concurrent reads and writes itself; a read-write lock only keeps {@link #close} from
 * freeing native handles under a running call (which would crash the JVM rather than throw). No RocksDB type leaves
 * this class.
 */
public final class RocksUserStore implements UserStore {
    /** Users per write batch in {@link #putAll}: large enough to amortise, small enough to bound memory. */
    private static final int BATCH = 10_000;

    static {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    private final Options options;
    private final WriteOptions writeOptions;
    private final RocksDB db;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    private RocksUserStore(Path dir, Options options, WriteOptions writeOptions, RocksDB db) {
        this.dir = dir;
        this.options = options;
        this.writeOptions = writeOptions;
        this.db = db;
    }

    /**
     * Opens the store in {@code dir}, creating the folder and the database when missing.
     *
     * @throws StoreException when the database cannot be opened (for instance, another process holds it)
     */
    public static RocksUserStore open(Path dir) {
        Options options = new Options().setCreateIfMissing(true);
        WriteOptions writeOptions = new WriteOptions();
        try {
            Files.createDirectories(dir);
            return new RocksUserStore(dir, options, writeOptions, RocksDB.open(options, dir.toString()));
        } catch (RocksDBException | IOException e) {
            writeOptions.close();
            options.close();
            throw new StoreException("cannot open user store in " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<User> get(int userId) {
        if (userId < 0) {
            return Optional.empty();
        }
        lock.readLock().lock();
        try {
            checkOpen();
            byte[] value = db.get(UserCodec.key(userId));
            return value == null ? Optional.empty() : Optional.of(UserCodec.decode(userId, value));
        } catch (RocksDBException e) {
            throw new StoreException("user " + userId + ": read failed: " + e.getMessage(), e);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void put(User user) {
        lock.readLock().lock();
        try {
            checkOpen();
            db.put(writeOptions, UserCodec.key(user.id()), UserCodec.encode(user));
        } catch (RocksDBException e) {
            throw new StoreException("user " + user.id() + ": write failed: " + e.getMessage(), e);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Stores every user, in write batches of {@value #BATCH}: the way to load a world's users. Each batch is atomic; a
     * failure leaves earlier batches written.
     *
     * @throws StoreException when a batch cannot be written
     */
    public void putAll(Iterable<User> users) {
        lock.readLock().lock();
        try (WriteBatch batch = new WriteBatch()) {
            checkOpen();
            int pending = 0;
            for (User u : users) {
                batch.put(UserCodec.key(u.id()), UserCodec.encode(u));
                if (++pending == BATCH) {
                    db.write(writeOptions, batch);
                    batch.clear();
                    pending = 0;
                }
            }
            if (pending > 0) {
                db.write(writeOptions, batch);
            }
        } catch (RocksDBException e) {
            throw new StoreException("bulk write to " + dir + " failed: " + e.getMessage(), e);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            db.close();
            writeOptions.close();
            options.close();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("user store " + dir + " is closed");
        }
    }
}
