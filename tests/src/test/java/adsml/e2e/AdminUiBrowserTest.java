package adsml.e2e;

import static adsml.e2e.ServingFixture.rankBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.e2e.ServingFixture.Client;
import adsml.e2e.ServingFixture.Response;
import adsml.server.AdsmlServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
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
 * every page without console errors, charts drawn from live traffic, a version activated from the Models page, the
 * explainer's candidate table, pausing an ad. Screenshots of every page, at 1280x800 and 1920x1080, land in
 * {@code target/screenshots}.
 */
@Tag("browser")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminUiBrowserTest {
    private static final Path SHOTS = Path.of("target", "screenshots");
    private static final List<String> PAGES = List.of("overview", "models", "explain", "ads");

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
        ServingFixture.writeWorldAndFirstVersion(data);
        server = ServingFixture.start(data, Map.of());
        client = new Client(server.started());
        assertEquals("2", ServingFixture.writeVersion(data, 2L));
        admin = "http://127.0.0.1:" + server.started().admin().getPort();
        browser = HeadlessChromium.start(1280, 800);
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
    @Order(5)
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
    @Order(6)
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
