package adsml.platform.featurelog;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Util;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ColumnPath;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * Reads a Parquet file's footer and the pages of its row groups, for parquet-column's column readers to decode.
 *
 * <p>parquet-hadoop's {@code ParquetFileReader} cannot be used without Hadoop: its read options always build a Hadoop
 * codec factory and a Hadoop input format's filter. This reads what the log writes (format 1.0 data pages, dictionary
 * pages, SNAPPY or no compression) and refuses anything else with the file's name in the message.
 */
final class ParquetPages implements AutoCloseable {
    private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

    private final Path path;
    private final SeekableInputStream in;
    private final ParquetMetadata footer;
    private final ParquetMetadataConverter converter = new ParquetMetadataConverter();

    private ParquetPages(Path path, SeekableInputStream in, ParquetMetadata footer) {
        this.path = path;
        this.in = in;
        this.footer = footer;
    }

    static ParquetPages open(Path path) throws IOException {
        LocalInputFile input = new LocalInputFile(path);
        long length = input.getLength();
        SeekableInputStream in = input.newStream();
        try {
            if (length < 2L * MAGIC.length + 4) {
                throw new IOException(path + " is not a Parquet file: " + length + " bytes");
            }
            byte[] tail = new byte[4 + MAGIC.length];
            in.seek(length - tail.length);
            in.readFully(tail);
            if (!java.util.Arrays.equals(tail, 4, tail.length, MAGIC, 0, MAGIC.length)) {
                throw new IOException(path + " is not a complete Parquet file: no footer magic at its end");
            }
            int footerLength =
                    ByteBuffer.wrap(tail, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (footerLength <= 0 || footerLength > length - tail.length - MAGIC.length) {
                throw new IOException(path + " has a footer length of " + footerLength + " in " + length + " bytes");
            }
            byte[] footerBytes = new byte[footerLength];
            in.seek(length - tail.length - footerLength);
            in.readFully(footerBytes);
            ParquetMetadata footer = new ParquetMetadataConverter()
                    .readParquetMetadata(new ByteArrayInputStream(footerBytes), ParquetMetadataConverter.NO_FILTER);
            return new ParquetPages(path, in, footer);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    ParquetMetadata footer() {
        return footer;
    }

    long rows() {
        long rows = 0;
        for (BlockMetaData block : footer.getBlocks()) {
            rows += block.getRowCount();
        }
        return rows;
    }

    /** Reads every page of row group {@code index} into memory. */
    PageReadStore rowGroup(int index) throws IOException {
        BlockMetaData block = footer.getBlocks().get(index);
        Map<ColumnPath, ColumnPages> columns = new HashMap<>();
        for (ColumnChunkMetaData chunk : block.getColumns()) {
            columns.put(chunk.getPath(), readChunk(chunk));
        }
        long rowCount = block.getRowCount();
        return new PageReadStore() {
            @Override
            public PageReader getPageReader(ColumnDescriptor column) {
                ColumnPages pages = columns.get(ColumnPath.get(column.getPath()));
                if (pages == null) {
                    throw new IllegalArgumentException(
                            path + ": no column chunk for " + String.join(".", column.getPath()));
                }
                return pages;
            }

            @Override
            public long getRowCount() {
                return rowCount;
            }
        };
    }

    private ColumnPages readChunk(ColumnChunkMetaData chunk) throws IOException {
        var decompressor = Codecs.INSTANCE.getDecompressor(chunk.getCodec());
        byte[] bytes = new byte[Math.toIntExact(chunk.getTotalSize())];
        in.seek(chunk.getStartingPos());
        in.readFully(bytes);
        ByteArrayInputStream chunkIn = new ByteArrayInputStream(bytes);
        ColumnPages pages = new ColumnPages(chunk.getValueCount());
        long values = 0;
        while (values < chunk.getValueCount()) {
            PageHeader header = Util.readPageHeader(chunkIn);
            byte[] compressed = chunkIn.readNBytes(header.getCompressed_page_size());
            if (compressed.length != header.getCompressed_page_size()) {
                throw new IOException(path + ": column " + chunk.getPath() + " ends inside a page");
            }
            BytesInput page = decompressor.decompress(BytesInput.from(compressed), header.getUncompressed_page_size());
            switch (header.getType()) {
                case DICTIONARY_PAGE ->
                    pages.dictionary = new DictionaryPage(
                            page,
                            header.getUncompressed_page_size(),
                            header.getDictionary_page_header().getNum_values(),
                            encoding(header.getDictionary_page_header().getEncoding()));
                case DATA_PAGE -> {
                    var data = header.getData_page_header();
                    pages.data.add(new DataPageV1(
                            page,
                            data.getNum_values(),
                            header.getUncompressed_page_size(),
                            Statistics.createStats(chunk.getPrimitiveType()),
                            encoding(data.getRepetition_level_encoding()),
                            encoding(data.getDefinition_level_encoding()),
                            encoding(data.getEncoding())));
                    values += data.getNum_values();
                }
                case INDEX_PAGE -> {}
                default ->
                    throw new IOException(path + ": column " + chunk.getPath() + " has a " + header.getType()
                            + " page; the feature log writes format 1.0 data pages only");
            }
        }
        return pages;
    }

    private Encoding encoding(org.apache.parquet.format.Encoding encoding) {
        return converter.getEncoding(encoding);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** One column chunk's pages, handed out in order. */
    private static final class ColumnPages implements PageReader {
        private final long values;
        private final ArrayDeque<DataPage> data = new ArrayDeque<>();
        private DictionaryPage dictionary;

        ColumnPages(long values) {
            this.values = values;
        }

        @Override
        public DictionaryPage readDictionaryPage() {
            return dictionary;
        }

        @Override
        public long getTotalValueCount() {
            return values;
        }

        @Override
        public DataPage readPage() {
            return data.poll();
        }
    }
}
