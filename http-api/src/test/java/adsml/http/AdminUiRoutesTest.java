package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.actors.models.ActiveModel;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.CpuDevice;
import adsml.scheduler.SchedulerSettings;
import adsml.scheduler.Ticker;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The UI's files over real HTTP, from a class path folder made here: pages, files, and what must never be served. */
class AdminUiRoutesTest {
    @TempDir
    static Path classpath;

    private static ActorSystem<Void> system;
    private static ServerBinding binding;
    private static CpuDevice device;
    private static BatchingScheduler scheduler;
    private static URLClassLoader loader;
    private static final HttpClient HTTP =
            HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    static void serve() throws Exception {
        Path ui = Files.createDirectories(classpath.resolve("adsml/admin-ui/assets"));
        Files.writeString(
                ui.getParent().resolve("index.html"),
                "<!doctype html><script type=module src=/admin/assets/app-1a2b.js></script>");
        Files.writeString(ui.resolve("app-1a2b.js"), "console.log('ui')");
        Files.writeString(ui.resolve("app-1a2b.css"), "body{}");
        Files.writeString(ui.getParent().resolve(".hidden.txt"), "hidden");
        Files.writeString(classpath.resolve("adsml/secret.txt"), "secret");
        loader = new URLClassLoader(new URL[] {classpath.toUri().toURL()}, null);
        device = new CpuDevice("cpu0", 1, 1L << 28);
        scheduler = new BatchingScheduler(SchedulerSettings.defaults(), List.of(device), Ticker.SYSTEM);
        system = ActorSystem.create(Behaviors.empty(), "ui-test");
        binding = Http.get(system)
                .newServerAt("127.0.0.1", 0)
                .bind(ApiEdge.wrap(
                        pathPrefix("admin", () -> new AdminUiRoutes(loader).routes()),
                        new ServingMetrics(
                                scheduler,
                                new VersionFigures(1024, Duration.ofMinutes(15), Clock.systemUTC()),
                                new ActiveModel()),
                        Duration.ofSeconds(5)))
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
        system.terminate();
        scheduler.close();
        device.close();
        loader.close();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + path);
        return HTTP.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String type(HttpResponse<?> r) {
        return r.headers().firstValue("Content-Type").orElse("");
    }

    @Test
    void admin_redirectsToTheFolder_whichIsTheIndexPage() throws Exception {
        HttpResponse<String> redirect = get("/admin");
        assertEquals(301, redirect.statusCode());
        assertEquals("/admin/", redirect.headers().firstValue("Location").orElse(""));

        HttpResponse<String> index = get("/admin/");
        assertEquals(200, index.statusCode());
        assertTrue(type(index).startsWith("text/html"), type(index));
        assertTrue(index.body().contains("<script"), index.body());
        assertEquals("no-cache", index.headers().firstValue("Cache-Control").orElse(""));
        assertEquals("DENY", index.headers().firstValue("X-Frame-Options").orElse(""));
    }

    @Test
    void clientPages_getTheIndexPage_soThatReloadingAPageWorks() throws Exception {
        for (String page : List.of("/admin/models", "/admin/explain", "/admin/ads/")) {
            HttpResponse<String> r = get(page);
            assertEquals(200, r.statusCode(), page);
            assertTrue(r.body().contains("<script"), page);
        }
    }

    @Test
    void assets_haveTheirContentType_andMayBeCachedForever() throws Exception {
        HttpResponse<String> js = get("/admin/assets/app-1a2b.js");
        assertEquals(200, js.statusCode());
        assertEquals("text/javascript; charset=UTF-8", type(js));
        assertEquals("console.log('ui')", js.body());
        assertTrue(js.headers().firstValue("Cache-Control").orElse("").contains("immutable"));
        assertEquals(
                "nosniff", js.headers().firstValue("X-Content-Type-Options").orElse(""));
        assertEquals("text/css; charset=UTF-8", type(get("/admin/assets/app-1a2b.css")));
    }

    @Test
    void aMissingFile_is404_notTheIndexPage() throws Exception {
        HttpResponse<String> r = get("/admin/assets/gone-0000.js");
        assertEquals(404, r.statusCode());
        assertTrue(type(r).startsWith("application/json"), type(r));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/admin/../secret.txt",
                "/admin/%2e%2e/secret.txt",
                "/admin/assets/..%2F..%2Fsecret.txt",
                "/admin/.hidden.txt",
                "/admin/assets/%2E%2E/%2E%2E/secret.txt",
                "/admin//secret.txt",
                "/admin/assets\\..\\..\\secret.txt"
            })
    void nothingOutsideTheFolder_norHidden_isServed(String path) throws Exception {
        HttpResponse<String> r;
        try {
            r = get(path);
        } catch (IllegalArgumentException e) {
            return; // a path the client itself refuses to send cannot reach the server either
        }
        assertFalse(r.body().contains("secret") || r.body().equals("hidden"), () -> path + " served " + r.body());
        assertTrue(r.statusCode() == 404 || r.statusCode() == 400, () -> path + " answered " + r.statusCode());
    }

    @Test
    void apiPaths_andOtherPrefixes_areNotTheUis() throws Exception {
        HttpResponse<String> api = get("/admin/api/overview");
        assertEquals(404, api.statusCode(), "left to the API routes, of which there are none here");
        assertTrue(api.body().contains("no such route"), api.body());
        assertEquals(404, get("/administrator").statusCode());
        assertEquals(404, get("/adminx/").statusCode());
    }
}
