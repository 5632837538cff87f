package adsml.e2e;

import static adsml.e2e.ServingFixture.rankBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.e2e.ServingFixture.Client;
import adsml.e2e.ServingFixture.Response;
import adsml.http.LoopRounds;
import adsml.platform.features.FeatureSchema;
import adsml.platform.features.FeatureSets;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelPreset;
import adsml.server.AdsmlServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The admin web UI in a real browser (Debian's headless Chromium) against a real server on loopback ports: sign-in,
 * every page without console errors, charts drawn from live traffic, the feature log and the counters, a version
 * activated from the Models page, each version's live figures and a canary started and ended there, a shadow too, the
 * explainer's candidate table and a candidate's features by group, pausing an ad. Screenshots of every page, at
 * 1280x800 and 1920x1080, land in {@code target/screenshots}.
 */
@Tag("browser")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminUiBrowserTest {
    private static final Path SHOTS = Path.of("target", "screenshots");
    private static final List<String> PAGES = List.of("overview", "models", "explain", "ads", "cluster");
    /** The set the versions of this test are trained on: demo-v2's features, declared by the user, see below. */
    private static final String FEATURE_SET = "browser-v1";

    @TempDir
    static Path data;

    private static AdsmlServer server;
    private static Client client;
    private static HeadlessChromium browser;
    private static String admin;

    @BeforeAll
    static void start() throws Exception {
        if (!HeadlessChromium.installed()) {
            return; // each test skips, saying why (an assumption failing here would hide the reason)
        }
        ServingFixture.writeWorld(data);
        FeatureSchema features = writeFeatureSet(data);
        assertEquals("1", writeVersion(features, 1L));
        // Files complete and joined within the test's few seconds, so the overview has every figure to show.
        server = ServingFixture.start(
                data,
                Map.of(
                        "adsml.server.feature-log.max-file-age", "1s",
                        "adsml.server.feature-log.attribution-window", "1s",
                        "adsml.server.feature-log.join-interval", "1s"));
        client = new Client(server.started());
        assertEquals("2", writeVersion(features, 2L));
        ServingFixture.writeLightVersion(data, -3f); // after the start, which would have made it the light model
        admin = "http://127.0.0.1:" + server.started().admin().getPort();
        browser = HeadlessChromium.start(1280, 800);
    }

    /**
     * Declares {@value #FEATURE_SET} in the data folder's {@code features/}, as a user adds a set: demo-v2's
     * declaration (user, ad, campaign, advertiser, context, cross and real-time groups) under another name, so that the
     * server serves, logs and explains a set that is not built in.
     */
    private static FeatureSchema writeFeatureSet(Path data) throws IOException {
        String demo;
        try (InputStream in = FeatureSets.class.getResourceAsStream("/adsml/features/demo-v2.conf")) {
            demo = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String declared = demo.replace("name = demo\n", "name = browser\n").replace("version = 2\n", "version = 1\n");
        Path folder = Files.createDirectories(data.resolve("features"));
        Files.writeString(folder.resolve(FEATURE_SET + ".conf"), declared);
        return FeatureSets.builtInAnd(folder).require(FEATURE_SET).schema();
    }

    /** The next version of {@code ctr} on {@code features}, with random weights from {@code seed}. */
    private static String writeVersion(FeatureSchema features, long seed) throws IOException {
        var spec = ModelPreset.DEMO.spec(ServingFixture.MODEL, "0", features);
        return ServingFixture.writeVersion(data, new Model.Dcn(spec, DcnWeights.random(spec, seed)));
    }

    @BeforeEach
    void needsChromium() {
        HeadlessChromium.assumeInstalled();
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (server != null) {
            server.close();
        }
        server = null; // a closed server holds its world and model; the class outlives it
        client = null;
    }

    private static void signIn() {
        browser.open(admin + "/admin/overview");
        if (browser.findAll("nav.tabs").isEmpty()) {
            WebElement token = browser.await("input[name=token]");
            token.clear();
            token.sendKeys(ServingFixture.ADMIN_TOKEN);
            browser.find("[data-action=sign-in]").click();
            browser.await("nav.tabs");
        }
    }

    private static void openPage(String page) {
        browser.open(admin + "/admin/" + page);
        browser.await("nav.tabs");
        browser.await("a.tab-on[data-page=" + page.replaceAll("\\?.*", "") + "]");
        browser.await("h1");
    }

    /** Screenshots at the two sizes the UI must read well at, ending at 1280x800. */
    private static void screenshots(String name) throws Exception {
        browser.screenshot(SHOTS.resolve(name + "-1280x800.png"));
        browser.resize(1920, 1080);
        browser.script("window.dispatchEvent(new Event('resize'))");
        Thread.sleep(300); // the charts follow their containers' new width
        browser.screenshot(SHOTS.resolve(name + "-1920x1080.png"));
        browser.resize(1280, 800);
        Thread.sleep(300);
    }

    private static void assertNoConsoleErrors(String where) {
        List<String> errors = browser.consoleErrors();
        assertTrue(errors.isEmpty(), () -> "console errors on " + where + ": " + errors);
    }

    @Test
    @Order(1)
    void wrongToken_isRefused_withAMessageThatSaysWhatToUse() throws Exception {
        browser.open(admin + "/admin/");
        WebElement token = browser.await("input[name=token]");
        token.sendKeys("not-the-token");
        browser.find("[data-action=sign-in]").click();
        WebElement error = browser.await("[data-testid=login-error]");
        assertTrue(error.getText().contains("refused"), error::getText);
        assertTrue(error.getText().contains("admin token"), error::getText);
        assertTrue(browser.findAll("nav.tabs").isEmpty(), "still signed out");
        assertEquals(
                null,
                browser.script("return sessionStorage.getItem('adsml.adminToken')"),
                "a refused token is not kept");
        browser.screenshot(SHOTS.resolve("login-refused-1280x800.png"));
        browser.consoleErrors(); // the refused call's 401 is logged by the browser, as it should be
    }

    @Test
    @Order(2)
    void everyPage_loadsWithoutConsoleErrors() throws Exception {
        signIn();
        assertNoConsoleErrors("sign-in");
        for (String page : PAGES) {
            openPage(page);
            Thread.sleep(1500); // a refresh or two of the polling pages
            assertNoConsoleErrors(page);
            assertTrue(
                    browser.findAll("[role=alert]").isEmpty(),
                    () -> page + " shows an error: "
                            + browser.find("[role=alert]").getText());
        }
        openPage("cluster");
        assertTrue(browser.await("[data-testid=single-node]").getText().contains("single node"));
        openPage("models");
        assertEquals("ctr/1", browser.await("[data-testid=active-version]").getText());
        assertFalse(browser.find("[data-action=rollback]").isEnabled(), "nothing was active before ctr/1");
        screenshots("models");
    }

    @Test
    @Order(3)
    void overviewCharts_drawLiveTraffic() throws Exception {
        signIn();
        Thread traffic = new Thread(AdminUiBrowserTest::traffic, "browser-test-traffic");
        traffic.start();
        try {
            openPage("overview");
            browser.await("every chart has points", d -> {
                for (WebElement chart : d.findElements(By.cssSelector("[data-chart]"))) {
                    if (Integer.parseInt(chart.getAttribute("data-points")) < 2) {
                        return null;
                    }
                }
                return true;
            });
            browser.await(
                    "requests/s shown",
                    d -> d.findElement(By.cssSelector("[data-testid=tile-rps] .tile-value"))
                                            .getText()
                                            .matches("[0-9.,]+")
                                    && !d.findElement(By.cssSelector("[data-testid=tile-rps] .tile-value"))
                                            .getText()
                                            .equals("0.0")
                            ? true
                            : null);
        } finally {
            traffic.join();
        }
        screenshots("overview");
        for (String chart : List.of(
                "Throughput",
                "Latency",
                "Time per stage (mean)",
                "CTR and revenue",
                "Batches",
                "Batch sizes, last minute")) {
            // The page redraws every 1.5 s; the events behind the CTR can trail the requests by a point.
            browser.await(chart + " draws its series", d -> seriesPixels(chart) > 30 ? true : null);
        }
        assertNoConsoleErrors("overview");

        // Leaving through the tabs unmounts the charts: nothing of theirs may run after that.
        browser.find("a[data-page=models]").click();
        browser.await("[data-testid=active-version]");
        Thread.sleep(500);
        assertNoConsoleErrors("the models page, after leaving the overview");
    }

    /**
     * Pixels of the chart's canvas in one of its series' colours (blue, amber, red, green): drawn lines or bars, not an
     * empty frame. Any series counts: two series may overlap.
     */
    private static long seriesPixels(String chart) {
        Object count = browser.script("""
                const canvas = document.querySelector(`[data-chart="${arguments[0]}"] canvas`);
                const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
                const colours = [[37, 99, 235], [217, 119, 6], [220, 38, 38], [5, 150, 105]];
                let n = 0;
                for (let i = 0; i < pixels.length; i += 4) {
                  if (pixels[i + 3] > 100 && colours.some(([r, g, b]) => Math.abs(pixels[i] - r) < 40
                      && Math.abs(pixels[i + 1] - g) < 40 && Math.abs(pixels[i + 2] - b) < 40)) n++;
                }
                return n;""", chart);
        return ((Number) count).longValue();
    }

    /** Four seconds of rank requests, with their impressions and some clicks sent back as events. */
    private static void traffic() {
        long until = System.nanoTime() + 4_000_000_000L;
        for (int i = 0; System.nanoTime() < until; i++) {
            Response r = client.rank(rankBody("u" + (i % 200), 3, 1000, false));
            if (r.status() != 200) {
                continue;
            }
            List<Map<String, Object>> events = new ArrayList<>();
            String requestId = r.json().path("requestId").asText();
            for (JsonNode ad : r.json().path("ads")) {
                events.add(event("impression", requestId, ad.path("adId").asInt(), 0.002));
                if (i % 5 == 0) {
                    events.add(event("click", requestId, ad.path("adId").asInt(), 0.3));
                }
            }
            if (!events.isEmpty()) {
                client.post("/v1/events", ServingFixture.json(Map.of("events", events)));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Test
    @Order(4)
    void overview_showsTheFeatureLogOfTheServedSet_itsJoin_andTheCounters() throws Exception {
        signIn();
        openPage("overview");
        // The traffic of the charts' test is logged, its files complete after 1 s and joined a second later.
        WebElement row = browser.await("[data-testid=feature-log] tr[data-set=" + FEATURE_SET + "]");
        browser.await(
                "a complete file, joined",
                d -> number(cell("feature-log-sets", FEATURE_SET, "Files")) > 0
                                && cell("feature-log-sets", FEATURE_SET, "Join lag")
                                        .matches("[0-9]+ (ms|s)")
                        ? true
                        : null);
        assertTrue(number(cell("feature-log-sets", FEATURE_SET, "Rows written")) > 0, row::getText);
        assertTrue(cell("feature-log-sets", FEATURE_SET, "Size").matches("[0-9.,]+ (B|KiB|MiB)"), row::getText);
        assertEquals("0", cell("feature-log-sets", FEATURE_SET, "Dropped"), "no batch dropped");

        WebElement counters = browser.find("[data-testid=counters]");
        assertTrue(counters.getText().contains("embedded"), counters::getText);
        String keys = text(counters.findElement(By.xpath(".//dt[.='Keys']/following-sibling::dd")));
        assertTrue(keys.matches("[1-9][0-9,]* / [0-9,]+"), () -> "keys held / the bound: " + keys);
        String memory = text(counters.findElement(By.xpath(".//dt[.='Memory']/following-sibling::dd")));
        assertTrue(memory.matches("[0-9.,]+ (B|KiB|MiB) of [0-9.,]+ (KiB|MiB|GiB)"), () -> "memory: " + memory);
        assertNoConsoleErrors("overview's feature log");
        browser.script("document.querySelector('[data-testid=feature-log]').scrollIntoView()");
        browser.screenshot(SHOTS.resolve("overview-feature-log-1280x800.png"));
    }

    /** The text under {@code column} in the row of {@code table} whose {@code data-set} is {@code set}. */
    private static String cell(String table, String set, String column) {
        List<String> headers = browser.findAll("table[data-testid=" + table + "] thead th").stream()
                .map(WebElement::getText)
                .toList();
        int index = headers.indexOf(column);
        assertTrue(index >= 0, () -> "no column " + column + " in " + headers);
        return browser.find(
                        "table[data-testid=" + table + "] tr[data-set='" + set + "'] td:nth-child(" + (index + 1) + ")")
                .getText()
                .split("\n")[0];
    }

    /** What the element reads as, on one line. */
    private static String text(WebElement e) {
        return e.getText().replaceAll("\\s+", " ");
    }

    private static long number(String text) {
        return text.matches("[0-9,]+") ? Long.parseLong(text.replace(",", "")) : -1;
    }

    @Test
    @Order(5)
    void explainer_showsEveryCandidateOfAKnownUser_withWhyItWonOrLost() throws Exception {
        signIn();
        openPage("explain");
        WebElement user = browser.await("input[name=userId]");
        user.clear();
        user.sendKeys("u3");
        browser.find("[data-action=explain]").click();
        browser.await("table[data-testid=candidates] tbody tr");
        assertTrue(browser.await("[data-testid=profile]").getText().startsWith("u3:"), "the user's profile is shown");
        List<WebElement> rows = browser.findAll("table[data-testid=candidates] tbody tr");
        assertTrue(rows.size() >= 10, () -> rows.size() + " candidate rows");
        screenshots("explain");
        browser.find("[data-filter=WON]").click();
        List<WebElement> won = browser.findAll("table[data-testid=candidates] tbody tr[data-outcome=WON]");
        assertFalse(won.isEmpty(), "a winner among the candidates");
        assertEquals(
                won.size(),
                browser.findAll("table[data-testid=candidates] tbody tr").size(),
                "only winners shown");
        assertTrue(won.get(0).getText().contains("won slot"), won.get(0)::getText);
        assertEquals(
                won.size(),
                browser.findAll("table[data-testid=winners] tbody tr").size(),
                "winners table");
        assertNoConsoleErrors("explain");

        // A wrong hour is named on the page, sends nothing, and takes the last answer away.
        browser.script("""
                window.rankCalls = 0;
                const plain = window.fetch;
                window.fetch = (url, init) => {
                  if (String(url).includes('/v1/rank')) window.rankCalls++;
                  return plain(url, init);
                };""");
        WebElement hour = browser.find("input[name=hour]");
        hour.clear();
        hour.sendKeys("abc");
        browser.find("[data-action=explain]").click();
        WebElement error = browser.await("[role=alert]");
        assertTrue(error.getText().contains("Hour"), error::getText);
        assertTrue(browser.findAll("table[data-testid=candidates]").isEmpty(), "the last answer is gone");
        assertEquals(0L, ((Number) browser.script("return window.rankCalls")).longValue(), "no rank request sent");
        browser.screenshot(SHOTS.resolve("explain-wrong-hour-1280x800.png"));
        assertNoConsoleErrors("explain, with a wrong hour");
    }

    @Test
    @Order(6)
    void explainer_opensACandidatesFeatures_byGroup_realtimeFirst_andFiltersThem() throws Exception {
        signIn();
        openPage("explain");
        WebElement user = browser.await("input[name=userId]");
        user.clear();
        user.sendKeys("u3");
        browser.find("[data-action=explain]").click();
        browser.await("table[data-testid=candidates] tbody tr");
        List<WebElement> rows = browser.findAll("table[data-testid=candidates] tbody tr");
        String firstAd = rows.get(0).findElement(By.cssSelector("a")).getText();
        rows.get(0).findElement(By.cssSelector("td.why")).click(); // anywhere on the row

        WebElement card = browser.await("[data-testid=candidate-features]");
        assertEquals(firstAd, card.getAttribute("data-ad"), "the clicked candidate's features");
        List<String> groups = card.findElements(By.cssSelector(".feature-group")).stream()
                .map(g -> g.getAttribute("data-group"))
                .toList();
        assertEquals("realtime", groups.get(0), () -> "realtime first: " + groups);
        assertTrue(
                groups.containsAll(List.of("user", "ad", "campaign", "advertiser", "context", "cross")),
                groups::toString);
        WebElement ctr = browser.find("[data-group=realtime] [data-feature=ad_ctr_1h]");
        assertTrue(ctr.getText().startsWith("ad_ctr_1h"), ctr::getText);
        assertTrue(ctr.findElement(By.tagName("dd")).getText().matches("0\\.0*[1-9][0-9]{0,3}"), ctr::getText);
        assertTrue(browser.findAll("[data-group=user] [data-feature]").isEmpty(), "the other groups start closed");
        browser.find("[data-group=user] .feature-group-head").click();
        assertTrue(
                browser.await("[data-group=user] [data-feature=user_country]")
                        .findElement(By.tagName("dd"))
                        .getText()
                        .matches("[0-9]+"),
                "a slot id as an integer");
        screenshots("explain-features");

        // Seven of demo-v2's signals are one-day CTRs: ad, campaign, advertiser, category, creative, user x two.
        browser.find("input[name=featureFilter]").sendKeys("ctr_1d");
        browser.await(
                "only the matching names",
                d -> d.findElements(By.cssSelector("[data-testid=candidate-features] [data-feature]"))
                                        .size()
                                == 7
                        ? true
                        : null);
        for (WebElement f : browser.findAll("[data-testid=candidate-features] [data-feature]")) {
            assertTrue(f.getAttribute("data-feature").contains("ctr_1d"), () -> f.getAttribute("data-feature"));
        }
        assertTrue(browser.find("[data-testid=feature-count]").getText().startsWith("7 of "));

        // The row's toggle opens another candidate, and closes it again.
        WebElement second =
                browser.findAll("table[data-testid=candidates] tbody tr").get(1);
        String secondAd = second.findElement(By.cssSelector("a")).getText();
        clickInView(second.findElement(By.cssSelector("[data-action=features]")));
        browser.await("[data-testid=candidate-features][data-ad='" + secondAd + "']");
        clickInView(browser.findAll("table[data-testid=candidates] tbody tr")
                .get(1)
                .findElement(By.cssSelector("[data-action=features]")));
        browser.await(
                "features closed",
                d -> browser.findAll("[data-testid=candidate-features]").isEmpty());
        assertNoConsoleErrors("explain, a candidate's features");
    }

    @Test
    @Order(7)
    void activatingAVersionOnTheModelsPage_changesTheVersionRankReports() throws Exception {
        signIn();
        openPage("models");
        assertEquals(
                "ctr/1",
                client.rank(rankBody("u1", 3, 1000, false))
                        .json()
                        .path("modelVersion")
                        .asText());

        browser.await("tr[data-version='ctr/2'] [data-action=load]").click();
        browser.await("[data-testid=confirm]").click();
        browser.await("tr[data-version='ctr/2'][data-state=READY] [data-action=activate]")
                .click();
        browser.await("[data-testid=confirm]").click();
        browser.await(
                "activation reported",
                d -> d.findElement(By.cssSelector("[data-testid=outcome]"))
                                .getText()
                                .contains("ctr/2 is now active")
                        ? true
                        : null);

        assertEquals(
                "ctr/2",
                client.rank(rankBody("u1", 3, 1000, false))
                        .json()
                        .path("modelVersion")
                        .asText(),
                "rank requests are scored by the version activated in the UI");
        browser.await("tr[data-version='ctr/1'][data-state=READY]");
        assertNoConsoleErrors("models");
        screenshots("models-after-activate");

        browser.find("[data-action=rollback]").click();
        browser.await("[data-testid=confirm]").click();
        browser.await(
                "rollback reported",
                d -> d.findElement(By.cssSelector("[data-testid=outcome]"))
                                .getText()
                                .contains("ctr/1 is active again")
                        ? true
                        : null);
        assertEquals(
                "ctr/1",
                client.rank(rankBody("u1", 3, 1000, false))
                        .json()
                        .path("modelVersion")
                        .asText());
    }

    @Test
    @Order(8)
    void theLightModelCard_swapsAndEndsTheFunnelsLightModel() throws Exception {
        signIn();
        openPage("models");
        browser.await(
                "no light model",
                d -> d.findElement(By.cssSelector("[data-testid=light-model]"))
                                .getText()
                                .contains("No light model")
                        ? true
                        : null);
        browser.await("[data-action=activate-light]").click();
        browser.await("[data-testid=confirm]").click();
        browser.await(
                "light model shown",
                d -> d.findElement(By.cssSelector("[data-testid=light-model]"))
                                .getText()
                                .contains("light/1 (light-v1)")
                        ? true
                        : null);
        assertEquals(
                "light/1",
                client.adminGet("/admin/api/light-model").json().path("active").asText(),
                "the version activated in the UI is the server's light model");

        browser.await("[data-action=end-light]").click();
        browser.await("[data-testid=confirm]").click();
        browser.await(
                "light stage ended",
                d -> d.findElement(By.cssSelector("[data-testid=light-model]"))
                                .getText()
                                .contains("No light model")
                        ? true
                        : null);
        assertTrue(
                client.adminGet("/admin/api/light-model").json().path("active").isNull());
        assertNoConsoleErrors("models, the light model");
    }

    @Test
    @Order(9)
    void adsPage_showsAnAd_andPausesAndResumesIt() throws Exception {
        signIn();
        int ad = client.rank(rankBody("u9", 1, 1000, false))
                .json()
                .path("ads")
                .get(0)
                .path("adId")
                .asInt();
        openPage("ads?id=" + ad);
        browser.await("[data-testid=ad-counters]");
        browser.await("[data-action=pause]").click();
        browser.await("[data-testid=confirm]").click();
        browser.await("[data-action=resume]");
        assertTrue(client.get("/v1/ads/" + ad).json().path("paused").asBoolean(), "paused through the UI");
        assertTrue(browser.find("[data-testid=ad-status]").getText().contains("paused"));
        assertNoConsoleErrors("ads");
        screenshots("ads");

        browser.find("[data-action=resume]").click();
        browser.await("[data-testid=confirm]").click();
        browser.await("[data-action=pause]");
        assertFalse(client.get("/v1/ads/" + ad).json().path("paused").asBoolean(), "resumed through the UI");

        // An id beyond int range is refused on the page, and the last ad's cards go away.
        WebElement id = browser.find("input[name=adId]");
        id.clear();
        id.sendKeys("99999999999999999999");
        browser.find("[data-action=lookup]").click();
        assertTrue(browser.await("[role=alert]").getText().contains("Not an ad id"), "named as not an ad id");
        assertTrue(browser.findAll("[data-testid=ad-counters]").isEmpty(), "the last ad is gone");
        browser.screenshot(SHOTS.resolve("ads-wrong-id-1280x800.png"));
        assertNoConsoleErrors("ads, with a wrong id");
    }

    @Test
    @Order(10)
    void modelsPage_showsEachVersionsLiveFigures_andRunsACanaryFromThere() throws Exception {
        signIn();
        rankAndReport(20);
        openPage("models");
        browser.await(
                "ctr/1's live figures",
                d -> number(figure("ctr/1", "requests")) > 0 && number(figure("ctr/1", "impressions")) > 0
                        ? true
                        : null);
        assertTrue(figure("ctr/1", "ctr").matches("[0-9.]+%"), () -> "CTR: " + figure("ctr/1", "ctr"));
        assertTrue(figure("ctr/1", "rpm").matches("\\$[0-9.,]+"), () -> "RPM: " + figure("ctr/1", "rpm"));
        assertTrue(
                figure("ctr/1", "calibration").matches("[0-9.,]+"),
                () -> "calibration: " + figure("ctr/1", "calibration"));
        assertTrue(browser.find("table[data-testid=live] tr[data-version='ctr/1']")
                .getText()
                .contains("active"));
        assertTrue(browser.find("[data-testid=loop-empty]").getText().contains("adsml demo --loop"));

        // A share outside (0, 1) is named on the page and sends nothing; a good one starts the canary.
        WebElement share = browser.await("input[name=canaryShare]");
        share.clear();
        share.sendKeys("1.5");
        clickInView(browser.find("[data-action=start-canary]"));
        assertTrue(browser.await("[data-testid=canary] [role=alert]").getText().contains("Share"));
        assertTrue(client.adminGet("/admin/api/models").json().path("canary").isNull(), "nothing sent");
        share.clear();
        share.sendKeys("0.5");
        clickInView(browser.find("[data-action=start-canary]"));
        browser.await("[data-testid=confirm]").click();
        browser.await(
                "canary started",
                d -> d.findElement(By.cssSelector("[data-testid=outcome]"))
                                .getText()
                                .contains("ctr/2 is the canary")
                        ? true
                        : null);
        assertTrue(browser.await("[data-action=promote]").getText().contains("ctr/2"));
        assertTrue(browser.find("[data-testid=canary]").getText().contains("since"));

        rankAndReport(40);
        browser.await(
                "the canary's live figures beside the active version's",
                d -> number(figure("ctr/2", "requests")) > 0 && number(figure("ctr/2", "impressions")) > 0
                        ? true
                        : null);
        String canaryRow =
                browser.find("table[data-testid=live] tr[data-version='ctr/2']").getText();
        assertTrue(canaryRow.contains("canary 50%"), canaryRow);

        server.loopRounds()
                .add(new LoopRounds.Round(
                        Instant.now(),
                        9,
                        "ctr/2",
                        "ctr/1",
                        4.2,
                        3.9,
                        4.5,
                        4.0,
                        310,
                        4.1,
                        1200,
                        true,
                        "estimated RPM 4.20"));
        WebElement round = browser.await("table[data-testid=loop] tr[data-version='ctr/2']");
        assertTrue(round.getText().contains("promoted"), round::getText);
        assertNoConsoleErrors("models, with a canary");
        browser.script("document.querySelector('[data-testid=live]').scrollIntoView()");
        screenshots("models-canary");

        clickInView(browser.find("[data-action=end-canary]"));
        browser.await("[data-testid=confirm]").click();
        browser.await(
                "canary ended",
                d -> d.findElement(By.cssSelector("[data-testid=outcome]"))
                                .getText()
                                .contains("canary ended")
                        ? true
                        : null);
        assertTrue(client.adminGet("/admin/api/models").json().path("canary").isNull(), "ended through the UI");
        browser.await("input[name=canaryShare]");
    }

    @Test
    @Order(11)
    void modelsPage_runsAShadowFromThere_andShowsItsFiguresBesideTheLiveOnes() throws Exception {
        signIn();
        openPage("models");
        clickInView(browser.await("[data-action=start-shadow]"));
        browser.await("[data-testid=confirm]").click();
        browser.await(
                "shadow started",
                d -> d.findElement(By.cssSelector("[data-testid=outcome]"))
                                .getText()
                                .contains("ctr/2 is the shadow")
                        ? true
                        : null);
        assertEquals(
                "ctr/2",
                client.adminGet("/admin/api/models")
                        .json()
                        .path("shadow")
                        .path("version")
                        .asText(),
                "started through the UI");
        assertTrue(browser.await("[data-action=promote-shadow]").getText().contains("ctr/2"));

        rankAndReport(30);
        browser.await("the shadow's figures", d -> number(shadowFigure("ctr/2", "requests")) > 0 ? true : null);
        assertTrue(
                shadowFigure("ctr/2", "meanAbsDelta").matches("[0-9.]+"),
                () -> "mean |delta|: " + shadowFigure("ctr/2", "meanAbsDelta"));
        assertTrue(browser.find("table[data-testid=shadow-figures] tr[data-version='ctr/2']")
                .getText()
                .contains("shadow"));
        assertNoConsoleErrors("models, with a shadow");
        browser.script("document.querySelector('[data-testid=shadow-figures]').scrollIntoView()");
        screenshots("models-shadow");

        clickInView(browser.find("[data-action=end-shadow]"));
        browser.await("[data-testid=confirm]").click();
        browser.await(
                "shadow ended",
                d -> d.findElement(By.cssSelector("[data-testid=outcome]"))
                                .getText()
                                .contains("shadow ctr/2 ended")
                        ? true
                        : null);
        assertTrue(client.adminGet("/admin/api/models").json().path("shadow").isNull(), "ended through the UI");
        browser.await("[data-action=start-shadow]");
    }

    /** The text of {@code version}'s {@code figure} cell in the shadow table. */
    private static String shadowFigure(String version, String figure) {
        List<WebElement> cells = browser.findAll(
                "table[data-testid=shadow-figures] tr[data-version='" + version + "'] td[data-figure=" + figure + "]");
        return cells.isEmpty() ? "" : cells.get(0).getText();
    }

    /** The text of {@code version}'s {@code figure} cell in the live table. */
    private static String figure(String version, String figure) {
        List<WebElement> cells = browser.findAll(
                "table[data-testid=live] tr[data-version='" + version + "'] td[data-figure=" + figure + "]");
        return cells.isEmpty() ? "" : cells.get(0).getText();
    }

    /**
     * {@code requests} rank requests of as many users, each shown ad's impression and every other first slot's click.
     */
    private static void rankAndReport(int requests) {
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            JsonNode answer = client.rank(rankBody("u" + i, 3, 1000, false)).json();
            String requestId = answer.path("requestId").asText();
            for (JsonNode ad : answer.path("ads")) {
                events.add(event("impression", requestId, ad.path("adId").asInt(), 0.002));
                if (i % 2 == 0 && ad.path("slot").asInt() == 0) {
                    events.add(event("click", requestId, ad.path("adId").asInt(), 0.3));
                }
            }
        }
        assertEquals(
                200,
                client.post("/v1/events", ServingFixture.json(Map.of("events", events)))
                        .status());
    }

    /** Clicks {@code e} in the middle of the window, clear of the sticky top bar that would take the click. */
    private static void clickInView(WebElement e) {
        browser.script("arguments[0].scrollIntoView({block: 'center'})", e);
        e.click();
    }

    /** One event for {@code adId} of a served request, its id derived from the request, ad and type. */
    private static Map<String, Object> event(String type, String requestId, int adId, double cost) {
        return Map.of(
                "type", type,
                "eventId", requestId + "-" + adId + "-" + type.charAt(0),
                "requestId", requestId,
                "userId", "u1",
                "adId", adId,
                "timestampMs", System.currentTimeMillis(),
                "cost", cost);
    }
}
