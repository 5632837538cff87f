package adsml.platform.store;

import adsml.platform.domain.User;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The binary encoding of users in a store, version 1.
 *
 * <p>Key: the user id as 4 bytes big-endian, so that keys sort by id. Value, little-endian:
 *
 * <pre>
 * byte     version (1)
 * byte     country, device, ageBucket   (Vocab indexes)
 * byte     k = number of interests
 * byte[k]  interest category ids
 * float[k] interest weights
 * byte     d = embedding dimension
 * float[d] embedding
 * </pre>
 *
 * A demo user (3 interests, 6 dimensions) takes 45 bytes. Decoding checks the version and the length and lets
 * {@link User}'s constructor check ranges; any failure names the user id.
 */
final class UserCodec {
    static final byte VERSION = 1;

    private UserCodec() {}

    static byte[] key(int userId) {
        return new byte[] {(byte) (userId >>> 24), (byte) (userId >>> 16), (byte) (userId >>> 8), (byte) userId};
    }

    static byte[] encode(User u) {
        int k = u.interests().length;
        int d = u.embedding().length;
        ByteBuffer b = ByteBuffer.allocate(size(k, d)).order(ByteOrder.LITTLE_ENDIAN);
        b.put(VERSION)
                .put((byte) u.country())
                .put((byte) u.device())
                .put((byte) u.ageBucket())
                .put((byte) k);
        for (int i = 0; i < k; i++) {
            b.put((byte) u.interests()[i]);
        }
        for (int i = 0; i < k; i++) {
            b.putFloat(u.interestWeights()[i]);
        }
        b.put((byte) d);
        for (int i = 0; i < d; i++) {
            b.putFloat(u.embedding()[i]);
        }
        return b.array();
    }

    /** @throws CorruptRecordException when the bytes are not a valid version-1 record of a valid user */
    static User decode(int userId, byte[] value) {
        try {
            ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
            byte version = b.get();
            if (version != VERSION) {
                throw new CorruptRecordException(userId, "unknown version " + version, null);
            }
            int country = b.get();
            int device = b.get();
            int age = b.get();
            int k = b.get() & 0xff;
            int[] interests = new int[k];
            for (int i = 0; i < k; i++) {
                interests[i] = b.get() & 0xff;
            }
            float[] weights = new float[k];
            for (int i = 0; i < k; i++) {
                weights[i] = b.getFloat();
            }
            int d = b.get() & 0xff;
            float[] embedding = new float[d];
            for (int i = 0; i < d; i++) {
                embedding[i] = b.getFloat();
            }
            if (b.hasRemaining()) {
                throw new CorruptRecordException(userId, b.remaining() + " trailing bytes", null);
            }
            return new User(userId, country, device, age, interests, weights, embedding);
        } catch (BufferUnderflowException e) {
            throw new CorruptRecordException(userId, "truncated (" + value.length + " bytes)", e);
        } catch (IllegalArgumentException e) {
            throw new CorruptRecordException(userId, e.getMessage(), e);
        }
    }

    private static int size(int k, int d) {
        return 5 + k + 4 * k + 1 + 4 * d;
    }
}
