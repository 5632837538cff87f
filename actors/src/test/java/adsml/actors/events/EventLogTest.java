package adsml.actors.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.testing.FakeClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventLogTest {
    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final Instant NOON = Instant.parse("2026-03-01T12:00:00Z");
    private static final long DAY_MS = Duration.ofDays(1).toMillis();
    private static final EventLogSettings LARGE =
            new EventLogSettings(1L << 20, 16, 1L << 30, Duration.ofMillis(50), 64);

    @TempDir
    Path dir;

    private final FakeClock clock = new FakeClock(NOON);
    private final List<ActorRef<EventLog.Command>> spawned = new ArrayList<>();
    private EventLogHealth health = new EventLogHealth();
    private final Spend spend = new Spend();
    private int nextId;

    @AfterEach
    void stopLogs() {
        spawned.forEach(KIT::stop);
    }

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    /** Counts what the log hands on at open: events written on the fake clock's current day (UTC) count. */
    private final class Spend implements EventLog.SpendReplay {
        final Map<Integer, Double> byAd = new ConcurrentHashMap<>();

        @Override
        public boolean countsNow(long loggedAtMs) {
            return Math.floorDiv(loggedAtMs, DAY_MS) == Math.floorDiv(clock.millis(), DAY_MS);
        }

        @Override
        public void spent(int adId, double dollars) {
            byAd.merge(adId, dollars, Double::sum);
        }
    }

    private ActorRef<EventLog.Command> spawn(EventLogSettings settings, EventLog.Channels channels) {
        ActorRef<EventLog.Command> log = KIT.spawn(
                EventLog.create(dir.resolve("events.log"), settings, channels, clock, health, spend, EventFeed.NONE));
        spawned.add(log);
        return log;
    }

    private ActorRef<EventLog.Command> spawn() {
        return spawn(LARGE, EventLog.FILES);
    }

    private static Event click(String id, int adId, double cost) {
        return new Event(Event.Type.CLICK, id, "r1", "u1", adId, 1000L, cost);
    }

    private static StatusReply<EventLog.Appended> send(ActorRef<EventLog.Command> log, Event... events) {
        TestProbe<StatusReply<EventLog.Appended>> ack = KIT.createTestProbe();
        log.tell(new EventLog.Append(List.of(events), ack.getRef()));
        return ack.receiveMessage(Duration.ofSeconds(10));
    }

    private static EventLog.Appended append(ActorRef<EventLog.Command> log, Event... events) {
        StatusReply<EventLog.Appended> reply = send(log, events);
        assertTrue(reply.isSuccess(), () -> "refused: " + reply.getError());
        return reply.getValue();
    }

    private static String refusal(ActorRef<EventLog.Command> log, Event... events) {
        StatusReply<EventLog.Appended> reply = send(log, events);
        assertTrue(reply.isError(), () -> "acknowledged: " + reply);
        return reply.getError().getMessage();
    }

    private static List<String> ids(EventLog.Appended appended) {
        return appended.added().stream().map(Event::eventId).toList();
    }

    private List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    private List<String> loggedIds() throws IOException {
        List<String> ids = new ArrayList<>();
        for (Path f : Segments.sealed(dir.resolve("events.log")).values()) {
            lines(f).forEach(l -> ids.add(l.split("\t")[1]));
        }
        lines(dir.resolve("events.log")).forEach(l -> ids.add(l.split("\t")[1]));
        return ids;
    }

    /** Appends batches of 30 clicks over ads 0-2 costing 0.001 to 0.007, adding their cost to {@code micros}. */
    private void appendCosted(ActorRef<EventLog.Command> log, int batches, Map<Integer, Long> micros) {
        for (int batch = 0; batch < batches; batch++) {
            Event[] events = new Event[30];
            for (int i = 0; i < events.length; i++) {
                int id = nextId++;
                int costMicros = (id % 7 + 1) * 1000;
                events[i] = click("c" + id, id % 3, costMicros / 1e6);
                micros.merge(id % 3, (long) costMicros, Long::sum);
            }
            append(log, events);
        }
    }

    /** Stops {@code log}, opens the log again and waits until it has handed on the spend it holds. */
    private ActorRef<EventLog.Command> reopen(ActorRef<EventLog.Command> log, EventLogSettings settings)
            throws Exception {
        KIT.stop(log);
        spawned.remove(log);
        spend.byAd.clear();
        health = new EventLogHealth();
        ActorRef<EventLog.Command> reopened = spawn(settings, EventLog.FILES);
        health.settled().get();
        assertTrue(health.problem().isEmpty(), () -> health.problem().get());
        return reopened;
    }

    /** What the log handed on, per ad, in micro-dollars. */
    private Map<Integer, Long> spentMicros() {
        Map<Integer, Long> micros = new TreeMap<>();
        spend.byAd.forEach((ad, dollars) -> micros.put(ad, Math.round(dollars * 1e6)));
        return micros;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < giveUp, "not within 10 s: " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void append_isAcknowledgedAfterItIsOnDisk() throws Exception {
        ActorRef<EventLog.Command> log = spawn();
        EventLog.Appended appended = append(
                log,
                new Event(Event.Type.IMPRESSION, "e1", "r1", "u1", 3, 1000L, 0.0),
                new Event(Event.Type.CLICK, "e2", "r1", "u1", 3, 1001L, 0.42));
        assertEquals(List.of("e1", "e2"), ids(appended));
        assertEquals(0, appended.duplicates());
        long now = NOON.toEpochMilli();
        assertEquals(
                List.of("IMPRESSION\te1\tr1\tu1\t3\t1000\t0.0\t" + now, "CLICK\te2\tr1\tu1\t3\t1001\t0.42\t" + now),
                lines(dir.resolve("events.log")));
        assertTrue(health.problem().isEmpty(), () -> health.problem().get());
    }

    @Test
    void restart_afterATornLine_cutsIt_andAppendsWholeLines() throws Exception {
        Path file = dir.resolve("events.log");
        String whole = "IMPRESSION\te1\tr1\tu1\t3\t1000\t0.0\t" + NOON.toEpochMilli();
        Files.writeString(file, whole + "\nCLI");
        ActorRef<EventLog.Command> log = spawn();
        append(log, new Event(Event.Type.CONVERSION, "e2", "r2", "u2", 4, 2000L, 12.0));
        List<String> lines = lines(file);
        assertEquals(2, lines.size(), lines.toString());
        assertEquals(whole, lines.get(0), "the whole line before the torn one is kept");
        assertTrue(lines.get(1).startsWith("CONVERSION\te2\tr2"), lines.toString());
    }

    @Test
    void retriedBatch_isAcknowledged_butWrittenOnce() throws Exception {
        ActorRef<EventLog.Command> log = spawn();
        append(log, click("e1", 3, 0.1), click("e2", 3, 0.1));

        EventLog.Appended retry =
                append(log, click("e1", 3, 0.1), click("e2", 3, 0.1), click("e3", 3, 0.1), click("e3", 3, 0.1));

        assertEquals(List.of("e3"), ids(retry), "only the event not yet logged is new");
        assertEquals(3, retry.duplicates(), "the retried two and the repeat inside the batch");
        assertEquals(List.of("e1", "e2", "e3"), loggedIds());
    }

    @Test
    void reopenedLog_knowsItsIds_andHandsOnTodaysSpend() throws Exception {
        ActorRef<EventLog.Command> first = spawn();
        clock.advance(Duration.ofDays(-1));
        append(first, click("yesterday", 3, 5.0));
        clock.advance(Duration.ofDays(1));
        append(first, click("e1", 3, 0.25), click("e2", 3, 0.5), click("e3", 4, 1.0), click("free", 5, 0.0));
        KIT.stop(first);
        spawned.remove(first);
        assertTrue(spend.byAd.isEmpty(), "a new log hands on nothing: " + spend.byAd);

        health = new EventLogHealth();
        ActorRef<EventLog.Command> second = spawn();
        health.settled().get();

        assertEquals(Map.of(3, 0.75, 4, 1.0), new TreeMap<>(spend.byAd), "today's spend per ad, yesterday's left out");
        EventLog.Appended retry = append(second, click("e2", 3, 0.5), click("yesterday", 3, 5.0), click("e4", 3, 1));
        assertEquals(List.of("e4"), ids(retry), "ids written before the restart are duplicates");
        assertEquals(2, retry.duplicates());
    }

    @Test
    void fullSegments_areSealed_andRetentionDeletesTheOldest() throws Exception {
        EventLogSettings small = new EventLogSettings(4096, 2, 1L << 20, Duration.ofMillis(50), 64);
        ActorRef<EventLog.Command> log = spawn(small, EventLog.FILES);
        int id = 0;
        for (int batch = 0; batch < 20; batch++) {
            Event[] events = new Event[30];
            for (int i = 0; i < events.length; i++) {
                events[i] = click("e" + id++, 3, 0.0);
            }
            append(log, events);
        }
        Path active = dir.resolve("events.log");
        TreeMap<Long, Path> sealed = Segments.sealed(active);

        assertEquals(2, sealed.size(), "retention-segments = 2: " + sealed);
        assertTrue(sealed.firstKey() > 1, "the first segments were deleted: " + sealed);
        for (Path segment : sealed.values()) {
            assertTrue(Files.size(segment) >= 4096, segment + " was sealed before it was full");
        }
        List<String> kept = loggedIds();
        assertEquals("e" + (id - 1), kept.get(kept.size() - 1), "the newest event is kept");
        assertEquals(kept.size(), kept.stream().distinct().count(), "no id twice");

        KIT.stop(log);
        spawned.remove(log);
        ActorRef<EventLog.Command> reopened = spawn(small, EventLog.FILES);
        String oldestKept = kept.get(0);
        EventLog.Appended retry = append(reopened, click(oldestKept, 3, 0.0), click("new", 3, 0.0));
        assertEquals(List.of("new"), ids(retry), "an id in a retained sealed segment is a duplicate after a restart");
    }

    @Test
    void fullDisk_failsAppendsAndReadiness_untilSpaceReturns() throws Exception {
        FaultyChannels disk = new FaultyChannels();
        ActorRef<EventLog.Command> log = spawn(LARGE, disk);
        append(log, click("e1", 3, 0.1));

        disk.diskFull = true;
        assertTrue(refusal(log, click("e2", 3, 0.1)).contains("No space left on device"));
        assertTrue(health.problem().orElse("").contains("No space left on device"), "readiness names the reason");
        Thread.sleep(200); // several retries: each probe meets the full disk
        assertTrue(health.problem().isPresent(), "still unwritable while the disk is full");
        refusal(log, click("e2", 3, 0.1));

        disk.diskFull = false;
        await(() -> health.problem().isEmpty(), "writable once space returns");
        EventLog.Appended retried = append(log, click("e2", 3, 0.1));
        assertEquals(List.of("e2"), ids(retried), "a refused event was never logged, so its retry is new");
        assertEquals(List.of("e1", "e2"), loggedIds());
    }

    @Test
    void failedForce_acknowledgesNothing_andCutsTheBatchOff() throws Exception {
        FaultyChannels disk = new FaultyChannels();
        ActorRef<EventLog.Command> log = spawn(LARGE, disk);
        append(log, click("e1", 3, 0.1));

        disk.forceFails = true;
        assertTrue(refusal(log, click("e2", 3, 0.1), click("e3", 3, 0.1)).contains("forcing it to disk failed"));
        assertEquals(List.of("e1"), loggedIds(), "the unforced batch is cut off");

        disk.forceFails = false;
        await(() -> health.problem().isEmpty(), "writable once forcing works");
        assertEquals(List.of("e2", "e3"), ids(append(log, click("e2", 3, 0.1), click("e3", 3, 0.1))));
        assertEquals(List.of("e1", "e2", "e3"), loggedIds());
    }

    @Test
    void logThatCannotOpen_isUnwritable_untilItCan() throws Exception {
        FaultyChannels disk = new FaultyChannels();
        disk.openFails = true;
        ActorRef<EventLog.Command> log = spawn(LARGE, disk);
        health.settled().get();

        assertTrue(
                health.problem().orElse("").contains("Permission denied"),
                health.problem().toString());
        assertTrue(refusal(log, click("e1", 3, 0.1)).contains("cannot write"));

        disk.openFails = false;
        await(() -> health.problem().isEmpty(), "writable once the file opens");
        assertEquals(List.of("e1"), ids(append(log, click("e1", 3, 0.1))));
        assertFalse(Stream.of(health.problem()).anyMatch(p -> p.isPresent()));
    }

    @Test
    void restart_handsOnAllOfTodaysSpend_thoughRetentionDeletedItsSegments() throws Exception {
        EventLogSettings small = new EventLogSettings(4096, 2, 1L << 20, Duration.ofMillis(50), 64);
        Path active = dir.resolve("events.log");
        Map<Integer, Long> today = new TreeMap<>();
        ActorRef<EventLog.Command> log = spawn(small, EventLog.FILES);
        appendCosted(log, 20, today);
        long firstKept = Segments.sealed(active).firstKey();
        assertTrue(firstKept > 1, "retention deleted the first segments: " + Segments.sealed(active));

        log = reopen(log, small);
        assertEquals(today, spentMicros(), "the deleted segments' spend is handed on too");

        appendCosted(log, 20, today);
        assertTrue(Segments.sealed(active).firstKey() > firstKept, "the reopened log deleted more segments");
        reopen(log, small);
        assertEquals(today, spentMicros(), "what the log started from is kept through later seals");
    }

    @Test
    void restart_aDayLater_ignoresYesterdaysSnapshot() throws Exception {
        EventLogSettings small = new EventLogSettings(4096, 2, 1L << 20, Duration.ofMillis(50), 64);
        Path active = dir.resolve("events.log");
        clock.advance(Duration.ofDays(-1));
        ActorRef<EventLog.Command> log = spawn(small, EventLog.FILES);
        Map<Integer, Long> yesterday = new TreeMap<>();
        // Until a seal has just emptied the active segment, so that today's few events seal nothing.
        do {
            appendCosted(log, 1, yesterday);
        } while (Segments.sealed(active).size() < 2 || Files.size(active) > 0);
        assertTrue(Files.exists(SpendSnapshot.beside(active)), "the seals wrote a snapshot");

        clock.advance(Duration.ofDays(1));
        append(log, click("t1", 0, 0.5), click("t2", 1, 0.25));
        reopen(log, small);

        assertEquals(Map.of(0, 500_000L, 1, 250_000L), spentMicros(), "only today's spend");
    }

    @Test
    void logRunningPastMidnight_snapshotsOnlyTheNewDaysSpend() throws Exception {
        EventLogSettings small = new EventLogSettings(4096, 2, 1L << 20, Duration.ofMillis(50), 64);
        clock.advance(Duration.ofDays(-1));
        ActorRef<EventLog.Command> log = spawn(small, EventLog.FILES);
        appendCosted(log, 20, new TreeMap<>());

        clock.advance(Duration.ofDays(1));
        Map<Integer, Long> today = new TreeMap<>();
        appendCosted(log, 20, today);
        reopen(log, small);

        assertEquals(today, spentMicros(), "yesterday's spend is not carried into today's snapshot");
    }

    @Test
    void restart_withASnapshotBehindTheSegments_sumsTheSegmentsAfterIt() throws Exception {
        EventLogSettings small = new EventLogSettings(4096, 3, 1L << 30, Duration.ofMillis(50), 64);
        Path active = dir.resolve("events.log");
        Path snapshot = SpendSnapshot.beside(active);
        Map<Integer, Long> today = new TreeMap<>();
        ActorRef<EventLog.Command> log = spawn(small, EventLog.FILES);
        appendCosted(log, 8, today);
        byte[] older = Files.readAllBytes(snapshot);
        appendCosted(log, 12, today);
        Files.write(snapshot, older); // as if a crash came between the later seals and their snapshots
        long firstKept = Segments.sealed(active).firstKey();
        long covered = SpendSnapshot.read(snapshot).covers();
        assertTrue(firstKept > 1 && firstKept <= covered + 1, firstKept + " " + covered);

        reopen(log, small);

        assertEquals(today, spentMicros());
    }

    @Test
    void restart_withADamagedSnapshot_warns_andSumsTheRetainedSegments() throws Exception {
        EventLogSettings keepAll = new EventLogSettings(4096, 1000, 1L << 30, Duration.ofMillis(50), 64);
        Path snapshot = SpendSnapshot.beside(dir.resolve("events.log"));
        Map<Integer, Long> today = new TreeMap<>();
        ActorRef<EventLog.Command> log = spawn(keepAll, EventLog.FILES);
        appendCosted(log, 20, today);
        String text = Files.readString(snapshot);
        Files.writeString(snapshot, text.replaceFirst("\\n(\\d)", "\n9$1")); // still parses: only the checksum tells

        LoggingTestKit.warn("the spend snapshot " + snapshot + " cannot be read")
                .expect(KIT.system(), () -> {
                    try {
                        return reopen(log, keepAll);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });

        assertEquals(today, spentMicros(), "summed from the segments, all of which were kept");
    }
}
