package adsml.platform.featurelog;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xerial.snappy.Snappy;

/**
 * Page compression through snappy-java directly: parquet-hadoop's own codec factory is built on Hadoop's codec classes,
 * which are not on adsml's class path. SNAPPY is what pandas, PyArrow and DuckDB write by default and read fastest;
 * UNCOMPRESSED is the fallback where snappy-java's native library cannot load.
 */
final class Codecs implements CompressionCodecFactory {
    private static final Logger LOG = LoggerFactory.getLogger(Codecs.class);

    static final Codecs INSTANCE = new Codecs();

    private static final BytesInputCompressor SNAPPY_COMPRESSOR = new BytesInputCompressor() {
        @Override
        public BytesInput compress(BytesInput bytes) throws IOException {
            return BytesInput.from(Snappy.compress(bytesOf(bytes)));
        }

        @Override
        public CompressionCodecName getCodecName() {
            return CompressionCodecName.SNAPPY;
        }

        @Override
        public void release() {}
    };

    private static final BytesInputCompressor NO_COMPRESSOR = new BytesInputCompressor() {
        @Override
        public BytesInput compress(BytesInput bytes) {
            return bytes;
        }

        @Override
        public CompressionCodecName getCodecName() {
            return CompressionCodecName.UNCOMPRESSED;
        }

        @Override
        public void release() {}
    };

    private static final BytesInputDecompressor SNAPPY_DECOMPRESSOR = new BytesInputDecompressor() {
        @Override
        public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
            byte[] out = Snappy.uncompress(bytesOf(bytes));
            if (out.length != uncompressedSize) {
                throw new IOException(
                        "a snappy page holds " + out.length + " bytes, its header says " + uncompressedSize);
            }
            return BytesInput.from(out);
        }

        @Override
        public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
                throws IOException {
            byte[] in = new byte[compressedSize];
            input.get(in);
            output.put(Snappy.uncompress(in), 0, uncompressedSize);
        }

        @Override
        public void release() {}
    };

    private static final BytesInputDecompressor NO_DECOMPRESSOR = new BytesInputDecompressor() {
        @Override
        public BytesInput decompress(BytesInput bytes, int uncompressedSize) {
            return bytes;
        }

        @Override
        public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize) {
            output.put(input.slice().limit(uncompressedSize));
        }

        @Override
        public void release() {}
    };

    private Codecs() {}

    /** SNAPPY when snappy-java's native library loads on this machine, else UNCOMPRESSED. */
    static CompressionCodecName preferred() {
        try {
            Snappy.compress(new byte[] {0});
            return CompressionCodecName.SNAPPY;
        } catch (IOException | LinkageError | RuntimeException e) {
            LOG.warn("snappy-java cannot compress here ({}): the feature log is written uncompressed", e.toString());
            return CompressionCodecName.UNCOMPRESSED;
        }
    }

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        return switch (codec) {
            case SNAPPY -> SNAPPY_COMPRESSOR;
            case UNCOMPRESSED -> NO_COMPRESSOR;
            default ->
                throw new IllegalArgumentException("the feature log writes SNAPPY or UNCOMPRESSED, not " + codec);
        };
    }

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        return switch (codec) {
            case SNAPPY -> SNAPPY_DECOMPRESSOR;
            case UNCOMPRESSED -> NO_DECOMPRESSOR;
            default -> throw new IllegalArgumentException("the feature log reads SNAPPY or UNCOMPRESSED, not " + codec);
        };
    }

    @Override
    public void release() {}

    private static byte[] bytesOf(BytesInput bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.toIntExact(bytes.size()));
        bytes.writeAllTo(out);
        return out.toByteArray();
    }
}
