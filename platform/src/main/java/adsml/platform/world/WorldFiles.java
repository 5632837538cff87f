package adsml.platform.world;

import adsml.platform.domain.Ad;
import adsml.platform.domain.Advertiser;
import adsml.platform.domain.BidType;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Targeting;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.io.AtomicFolder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Stores a {@link World} as a folder and reads it back.
 *
 * <p>The folder holds {@code world.json} ({@code formatVersion} 2, the {@code config}, and {@code files}: each data
 * file's {@code name} and {@code rows}) and six UTF-8 CSV files, each with a header line and {@code \n} line ends:
 *
 * <ul>
 *   <li>{@code advertisers.csv}: id,name
 *   <li>{@code campaigns.csv}: id,advertiser_id,bid_type,bid,daily_budget,category,countries,devices,ages,interests
 *       (targeting fields {@code |}-joined vocabulary names, interests {@code |}-joined category ids; empty = any)
 *   <li>{@code ads.csv}: id,campaign_id,category,creative_type,embedding
 *   <li>{@code users.csv}: id,country,device,age,interests,interest_weights,embedding
 *   <li>{@code train.csv}, {@code heldout.csv}:
 *       request_id,user_id,ad_id,surface,hour,position,click,conversion,p_click,p_conversion (0/1 flags)
 * </ul>
 *
 * Floats are written with {@link Float#toString(float)} and so read back exactly; the same world gives byte-identical
 * files. Reading checks everything and reports any problem as an {@link InvalidWorldException} naming the file, the
 * line (1-based, header = line 1) and the field.
 */
public final class WorldFiles {
    /**
     * Bumped whenever the ground truth changes (docs/WORLD.md): 2 when it was re-tuned, 3 when conversions after a
     * click fell to a few percent. The files did not change shape, but a world's logged clicks and p_click columns were
     * drawn from the truth of its version, which eval's oracle and the demo's traffic recompute from the seed, so an
     * older world would be judged by a truth that did not draw it.
     */
    public static final int FORMAT_VERSION = 3;

    public static final String WORLD_JSON = "world.json";
    public static final String ADVERTISERS = "advertisers.csv";
    public static final String CAMPAIGNS = "campaigns.csv";
    public static final String ADS = "ads.csv";
    public static final String USERS = "users.csv";
    public static final String TRAIN = "train.csv";
    public static final String HELDOUT = "heldout.csv";

    static final String ADVERTISERS_HEADER = "id,name";
    static final String CAMPAIGNS_HEADER =
            "id,advertiser_id,bid_type,bid,daily_budget,category,countries,devices,ages,interests";
    static final String ADS_HEADER = "id,campaign_id,category,creative_type,embedding";
    static final String USERS_HEADER = "id,country,device,age,interests,interest_weights,embedding";
    static final String IMPRESSIONS_HEADER =
            "request_id,user_id,ad_id,surface,hour,position,click,conversion,p_click,p_conversion";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BUFFER = 1 << 16;

    private WorldFiles() {}

    /**
     * Writes {@code w} into the folder {@code dir}, which must not exist or be empty. The files are written into a
     * temporary folder beside {@code dir} and moved into place at the end, so a failed write leaves no partial world.
     *
     * @throws FileAlreadyExistsException when {@code dir} exists and is not an empty folder
     */
    public static void write(World w, Path dir) throws IOException {
        requireWritable(dir);
        AtomicFolder.publish(dir, tmp -> writeAll(w, tmp));
    }

    /**
     * Checks that a world may be written to {@code dir}, so a caller can refuse before spending the time to generate
     * one.
     *
     * @throws FileAlreadyExistsException when {@code dir} exists and is not an empty folder
     */
    public static void requireWritable(Path dir) throws IOException {
        if (Files.exists(dir) && (!Files.isDirectory(dir) || !isEmpty(dir))) {
            throw new FileAlreadyExistsException(
                    dir.toAbsolutePath().normalize().toString(),
                    null,
                    "refusing to overwrite: world folder exists and is not empty");
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        }
    }

    private static void writeAll(World w, Path dir) throws IOException {
        try (Writer out = writer(dir.resolve(ADVERTISERS))) {
            out.write(ADVERTISERS_HEADER);
            out.write('\n');
            for (Advertiser a : w.advertisers()) {
                out.write(Integer.toString(a.id()));
                out.write(',');
                out.write(a.name());
                out.write('\n');
            }
        }
        StringBuilder sb = new StringBuilder(256);
        try (Writer out = writer(dir.resolve(CAMPAIGNS))) {
            out.write(CAMPAIGNS_HEADER);
            out.write('\n');
            for (Campaign c : w.campaigns()) {
                sb.setLength(0);
                Targeting t = c.targeting();
                sb.append(c.id())
                        .append(',')
                        .append(c.advertiserId())
                        .append(',')
                        .append(c.bidType().name())
                        .append(',')
                        .append(c.bid())
                        .append(',')
                        .append(c.dailyBudget())
                        .append(',')
                        .append(c.category())
                        .append(',');
                appendNames(sb, t.countryMask(), Vocab.COUNTRIES);
                sb.append(',');
                appendNames(sb, t.deviceMask(), Vocab.DEVICES);
                sb.append(',');
                appendNames(sb, t.ageMask(), Vocab.AGE_BUCKETS);
                sb.append(',');
                boolean first = true;
                for (int k = 0; k < Vocab.NUM_CATEGORIES; k++) {
                    if ((t.interestMask() & (1L << k)) != 0) {
                        if (!first) {
                            sb.append('|');
                        }
                        sb.append(k);
                        first = false;
                    }
                }
                sb.append('\n');
                out.append(sb);
            }
        }
        try (Writer out = writer(dir.resolve(ADS))) {
            out.write(ADS_HEADER);
            out.write('\n');
            for (Ad a : w.ads()) {
                sb.setLength(0);
                sb.append(a.id())
                        .append(',')
                        .append(a.campaignId())
                        .append(',')
                        .append(a.category())
                        .append(',')
                        .append(Vocab.CREATIVE_TYPES[a.creativeType()])
                        .append(',');
                appendFloats(sb, a.embedding());
                sb.append('\n');
                out.append(sb);
            }
        }
        try (Writer out = writer(dir.resolve(USERS))) {
            out.write(USERS_HEADER);
            out.write('\n');
            for (User u : w.users()) {
                sb.setLength(0);
                sb.append(u.id())
                        .append(',')
                        .append(Vocab.COUNTRIES[u.country()])
                        .append(',')
                        .append(Vocab.DEVICES[u.device()])
                        .append(',')
                        .append(Vocab.AGE_BUCKETS[u.ageBucket()])
                        .append(',');
                int[] interests = u.interests();
                for (int k = 0; k < interests.length; k++) {
                    if (k > 0) {
                        sb.append('|');
                    }
                    sb.append(interests[k]);
                }
                sb.append(',');
                appendFloats(sb, u.interestWeights());
                sb.append(',');
                appendFloats(sb, u.embedding());
                sb.append('\n');
                out.append(sb);
            }
        }
        writeLog(w.train(), dir.resolve(TRAIN), sb);
        writeLog(w.heldout(), dir.resolve(HELDOUT), sb);
        writeJson(w, dir.resolve(WORLD_JSON));
    }

    private static void writeLog(ImpressionLog log, Path file, StringBuilder sb) throws IOException {
        long[] requestId = log.requestId();
        int[] userId = log.userId();
        int[] adId = log.adId();
        int[] surface = log.surface();
        int[] hour = log.hour();
        int[] position = log.position();
        boolean[] click = log.click();
        boolean[] conversion = log.conversion();
        float[] pClick = log.pClick();
        float[] pConversion = log.pConversion();
        try (Writer out = writer(file)) {
            out.write(IMPRESSIONS_HEADER);
            out.write('\n');
            for (int i = 0; i < requestId.length; i++) {
                sb.setLength(0);
                sb.append(log.requestId()[i])
                        .append(',')
                        .append(log.userId()[i])
                        .append(',')
                        .append(log.adId()[i])
                        .append(',')
                        .append(Vocab.SURFACES[log.surface()[i]])
                        .append(',')
                        .append(log.hour()[i])
                        .append(',')
                        .append(log.position()[i])
                        .append(',')
                        .append(log.click()[i] ? '1' : '0')
                        .append(',')
                        .append(log.conversion()[i] ? '1' : '0')
                        .append(',')
                        .append(log.pClick()[i])
                        .append(',')
                        .append(log.pConversion()[i])
                        .append('\n');
                out.append(sb);
            }
        }
    }

    private static void writeJson(World w, Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("formatVersion", FORMAT_VERSION);
        ObjectNode config = root.putObject("config");
        WorldConfig c = w.config();
        config.put("seed", c.seed());
        config.put("ads", c.ads());
        config.put("users", c.users());
        config.put("trainImpressions", c.trainImpressions());
        config.put("heldoutImpressions", c.heldoutImpressions());
        ArrayNode files = root.putArray("files");
        addFile(files, ADVERTISERS, w.advertisers().size());
        addFile(files, CAMPAIGNS, w.campaigns().size());
        addFile(files, ADS, w.ads().size());
        addFile(files, USERS, w.users().size());
        addFile(files, TRAIN, w.train().size());
        addFile(files, HELDOUT, w.heldout().size());
        // Fixed "\n" line ends so the bytes do not depend on the platform.
        DefaultPrettyPrinter pretty = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        String text = JSON.writer(pretty).writeValueAsString(root) + "\n";
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static void addFile(ArrayNode files, String name, int rows) {
        ObjectNode f = files.addObject();
        f.put("name", name);
        f.put("rows", rows);
    }

    private static Writer writer(Path file) throws IOException {
        return new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.UTF_8), BUFFER);
    }

    private static void appendNames(StringBuilder sb, int mask, String[] vocab) {
        boolean first = true;
        for (int i = 0; i < vocab.length; i++) {
            if ((mask & (1 << i)) != 0) {
                if (!first) {
                    sb.append('|');
                }
                sb.append(vocab[i]);
                first = false;
            }
        }
    }

    private static void appendFloats(StringBuilder sb, float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                sb.append('|');
            }
            sb.append(values[i]); // StringBuilder.append(float) is Float.toString: exact round trip
        }
    }

    /**
     * Reads the world folder {@code dir}.
     *
     * @throws InvalidWorldException when a file is missing or any content is malformed or inconsistent
     * @throws IOException on I/O failure
     */
    public static World read(Path dir) throws IOException {
        WorldConfig config = readConfig(dir);
        List<Advertiser> advertisers = readAdvertisers(dir, config.advertisers());
        List<Campaign> campaigns = readCampaigns(dir, config.campaigns(), advertisers.size());
        List<Ad> ads = readAds(dir, config.ads(), campaigns);
        List<User> users = readUsers(dir, config.users());
        ImpressionLog train = readLog(dir, TRAIN, config.trainImpressions(), users.size(), ads.size());
        ImpressionLog heldout = readLog(dir, HELDOUT, config.heldoutImpressions(), users.size(), ads.size());
        return new World(config, advertisers, campaigns, ads, users, train, heldout);
    }

    private static WorldConfig readConfig(Path dir) throws IOException {
        Path file = dir.resolve(WORLD_JSON);
        if (!Files.isRegularFile(file)) {
            throw new InvalidWorldException(WORLD_JSON + ": missing in " + dir);
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new InvalidWorldException(WORLD_JSON + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new InvalidWorldException(WORLD_JSON + ": expected a JSON object");
        }
        long version = jsonLong(root, "formatVersion", "formatVersion");
        if (version >= 1 && version < FORMAT_VERSION) {
            throw new InvalidWorldException(WORLD_JSON + ": field 'formatVersion': " + version + " is a world of an"
                    + " older ground truth; generate it again (adsml world, or remove the folder for adsml demo)");
        }
        if (version != FORMAT_VERSION) {
            throw new InvalidWorldException(
                    WORLD_JSON + ": field 'formatVersion': expected " + FORMAT_VERSION + ", got " + version);
        }
        JsonNode c = root.get("config");
        if (c == null || !c.isObject()) {
            throw new InvalidWorldException(WORLD_JSON + ": field 'config': missing or not an object");
        }
        WorldConfig config;
        try {
            config = new WorldConfig(
                    jsonLong(c, "seed", "config.seed"),
                    jsonInt(c, "ads", "config.ads"),
                    jsonInt(c, "users", "config.users"),
                    jsonInt(c, "trainImpressions", "config.trainImpressions"),
                    jsonInt(c, "heldoutImpressions", "config.heldoutImpressions"));
        } catch (IllegalArgumentException e) {
            throw new InvalidWorldException(WORLD_JSON + ": field 'config': " + e.getMessage(), e);
        }
        JsonNode files = root.get("files");
        if (files == null || !files.isArray()) {
            throw new InvalidWorldException(WORLD_JSON + ": field 'files': missing or not an array");
        }
        checkListed(files, ADVERTISERS, config.advertisers());
        checkListed(files, CAMPAIGNS, config.campaigns());
        checkListed(files, ADS, config.ads());
        checkListed(files, USERS, config.users());
        checkListed(files, TRAIN, config.trainImpressions());
        checkListed(files, HELDOUT, config.heldoutImpressions());
        return config;
    }

    private static void checkListed(JsonNode files, String name, int expectedRows) {
        for (JsonNode f : files) {
            JsonNode n = f.get("name");
            if (n != null && name.equals(n.asText())) {
                long rows = jsonLong(f, "rows", "files[" + name + "].rows");
                if (rows != expectedRows) {
                    throw new InvalidWorldException(WORLD_JSON + ": field 'files[" + name
                            + "].rows': the config implies " + expectedRows + ", got " + rows);
                }
                return;
            }
        }
        throw new InvalidWorldException(WORLD_JSON + ": field 'files': no entry for " + name);
    }

    private static long jsonLong(JsonNode node, String key, String field) {
        JsonNode v = node.get(key);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new InvalidWorldException(WORLD_JSON + ": field '" + field + "': expected an integer, got "
                    + (v == null ? "nothing" : v.toString()));
        }
        return v.longValue();
    }

    private static int jsonInt(JsonNode node, String key, String field) {
        long v = jsonLong(node, key, field);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new InvalidWorldException(WORLD_JSON + ": field '" + field + "': out of int range: " + v);
        }
        return (int) v;
    }

    /** Reads a data file line by line, checking the header and that the row count is as declared. */
    private interface RowReader {
        void row(CsvRow row, int index);
    }

    private static void readRows(Path dir, String name, String header, int rows, RowReader reader) throws IOException {
        Path file = dir.resolve(name);
        BufferedReader in;
        try {
            in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidWorldException(name + ": missing in " + dir);
        }
        try (in) {
            String first = in.readLine();
            if (first == null) {
                throw new InvalidWorldException(name + ": empty file, expected header '" + header + "'");
            }
            if (!first.equals(header)) {
                throw new InvalidWorldException(
                        name + " line 1: header: expected '" + header + "', got '" + first + "'");
            }
            CsvRow row = new CsvRow(name);
            for (int i = 0; i < rows; i++) {
                String line = in.readLine();
                if (line == null) {
                    throw new InvalidWorldException(
                            name + ": truncated: world.json says " + rows + " rows, found " + i);
                }
                row.reset(line, i + 2L);
                reader.row(row, i);
            }
            String extra;
            long lineNumber = rows + 1L;
            while ((extra = in.readLine()) != null) {
                lineNumber++;
                if (!extra.isEmpty()) {
                    throw new InvalidWorldException(
                            name + " line " + lineNumber + ": more rows than world.json says (" + rows + ")");
                }
            }
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new InvalidWorldException(name + ": not valid UTF-8", e);
        }
    }

    private static void checkId(CsvRow row, int id, int index) {
        if (id != index) {
            throw row.error("id", "expected " + index + " (ids are dense, in order), got '" + id + "'");
        }
    }

    private static List<Advertiser> readAdvertisers(Path dir, int n) throws IOException {
        List<Advertiser> out = new ArrayList<>(n);
        readRows(dir, ADVERTISERS, ADVERTISERS_HEADER, n, (row, i) -> {
            checkId(row, row.nextInt("id", 0, Integer.MAX_VALUE), i);
            String name = row.nextString("name");
            row.end(2);
            if (name.isEmpty() || name.indexOf('"') >= 0) {
                throw row.error("name", "expected a non-empty name without quotes, got '" + name + "'");
            }
            out.add(new Advertiser(i, name));
        });
        return out;
    }

    private static List<Campaign> readCampaigns(Path dir, int n, int numAdvertisers) throws IOException {
        List<Campaign> out = new ArrayList<>(n);
        BidType[] bidTypes = BidType.values();
        String[] bidTypeNames = new String[bidTypes.length];
        for (int k = 0; k < bidTypes.length; k++) {
            bidTypeNames[k] = bidTypes[k].name();
        }
        readRows(dir, CAMPAIGNS, CAMPAIGNS_HEADER, n, (row, i) -> {
            checkId(row, row.nextInt("id", 0, Integer.MAX_VALUE), i);
            int advertiser = row.nextInt("advertiser_id", 0, numAdvertisers - 1);
            BidType type = bidTypes[row.nextName("bid_type", bidTypeNames)];
            float bid = row.nextPositive("bid");
            float budget = row.nextPositive("daily_budget");
            int category = row.nextInt("category", 0, Vocab.NUM_CATEGORIES - 1);
            int countries = row.nextNameMask("countries", Vocab.COUNTRIES);
            int devices = row.nextNameMask("devices", Vocab.DEVICES);
            int ages = row.nextNameMask("ages", Vocab.AGE_BUCKETS);
            long interests = row.nextCategoryMask("interests");
            row.end(10);
            out.add(new Campaign(
                    i, advertiser, type, bid, budget, category, new Targeting(countries, devices, ages, interests)));
        });
        return out;
    }

    private static List<Ad> readAds(Path dir, int n, List<Campaign> campaigns) throws IOException {
        List<Ad> out = new ArrayList<>(n);
        int numCampaigns = campaigns.size();
        readRows(dir, ADS, ADS_HEADER, n, (row, i) -> {
            checkId(row, row.nextInt("id", 0, Integer.MAX_VALUE), i);
            int campaign = row.nextInt("campaign_id", 0, numCampaigns - 1);
            int category = row.nextInt("category", 0, Vocab.NUM_CATEGORIES - 1);
            if (category != campaigns.get(campaign).category()) {
                throw row.error(
                        "category",
                        "expected the campaign's category "
                                + campaigns.get(campaign).category() + ", got '" + category + "'");
            }
            int creative = row.nextName("creative_type", Vocab.CREATIVE_TYPES);
            float[] embedding = row.nextFloats("embedding", Vocab.EMBEDDING_DIM);
            row.end(5);
            out.add(new Ad(i, campaign, category, creative, embedding));
        });
        return out;
    }

    private static List<User> readUsers(Path dir, int n) throws IOException {
        List<User> out = new ArrayList<>(n);
        readRows(dir, USERS, USERS_HEADER, n, (row, i) -> {
            checkId(row, row.nextInt("id", 0, Integer.MAX_VALUE), i);
            int country = row.nextName("country", Vocab.COUNTRIES);
            int device = row.nextName("device", Vocab.DEVICES);
            int age = row.nextName("age", Vocab.AGE_BUCKETS);
            int[] interests = row.nextInts("interests", Vocab.INTERESTS_PER_USER, 0, Vocab.NUM_CATEGORIES - 1);
            for (int a = 0; a < interests.length; a++) {
                for (int b = 0; b < a; b++) {
                    if (interests[a] == interests[b]) {
                        throw row.error("interests", "expected distinct categories, got " + interests[a] + " twice");
                    }
                }
            }
            float[] weights = row.nextFloats("interest_weights", Vocab.INTERESTS_PER_USER);
            for (float wt : weights) {
                if (wt < 0f || wt > 1f) {
                    throw row.error("interest_weights", "expected values in [0, 1], got " + wt);
                }
            }
            float[] embedding = row.nextFloats("embedding", Vocab.EMBEDDING_DIM);
            row.end(7);
            out.add(new User(i, country, device, age, interests, weights, embedding));
        });
        return out;
    }

    private static ImpressionLog readLog(Path dir, String name, int n, int numUsers, int numAds) throws IOException {
        ImpressionLog log = ImpressionLog.ofRows(n);
        readRows(dir, name, IMPRESSIONS_HEADER, n, (row, i) -> {
            log.requestId()[i] = row.nextLong("request_id");
            log.userId()[i] = row.nextInt("user_id", 0, numUsers - 1);
            log.adId()[i] = row.nextInt("ad_id", 0, numAds - 1);
            log.surface()[i] = row.nextName("surface", Vocab.SURFACES);
            log.hour()[i] = row.nextInt("hour", 0, Vocab.HOURS - 1);
            log.position()[i] = row.nextInt("position", 0, Vocab.MAX_POSITION - 1);
            log.click()[i] = row.next01("click");
            log.conversion()[i] = row.next01("conversion");
            if (log.conversion()[i] && !log.click()[i]) {
                throw row.error("conversion", "conversion without click");
            }
            log.pClick()[i] = row.nextProbability("p_click");
            log.pConversion()[i] = row.nextProbability("p_conversion");
            row.end(10);
        });
        return log;
    }
}
