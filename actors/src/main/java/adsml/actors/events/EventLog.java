package adsml.actors.events;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;

/**
 * The single writer of the event log: one line per event (see {@link EventLines}) in the active segment
 * ({@code events.log}), sealed and numbered when it passes {@link EventLogSettings#segmentBytes}, the oldest sealed
 * segments deleted past the retention bounds. Beside them, {@code events.log.spend} ({@link SpendSnapshot}) holds
 * today's spend up to the last sealed segment.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>An append is acknowledged only after its bytes are forced to disk, so a 2xx means the events survive a crash.
 *       Appends that arrive together share one force (group commit).
 *   <li>An event whose id the retained segments already hold (or an append waiting for its force, or an earlier event
 *       of the same batch) is a duplicate: acknowledged, not written. The ids are read back from every retained segment
 *       when the log opens, so this holds across restarts, for as far back as retention keeps segments; memory is about
 *       16 bytes per retained event ({@link IdSet}). A retry of an event retention has deleted is taken as new.
 *   <li>When the log opens it hands the spend of the events written today (as {@link SpendReplay#countsNow} says) to
 *       {@link SpendReplay#spent}, once, before it answers any append, whatever retention has deleted: each seal first
 *       writes the day's spend up to that segment atomically to the snapshot, and only then may retention delete
 *       segments, so the snapshot always covers every deleted segment. At open a snapshot of today is taken as it is
 *       and only the segments after it are summed; one of another day is ignored; one that cannot be read is logged as
 *       a warning and the retained segments are summed instead (the spend of deleted ones is then lost).
 *   <li>A failure to open, write, force or rotate fails every unacknowledged append, cuts the file back to what was
 *       acknowledged, and marks the log unwritable in {@link EventLogHealth} (readiness turns 503; appends get an error
 *       at once). Every {@link EventLogSettings#retryInterval} it reopens the file and probes it with a write and a
 *       force; the first probe that passes makes it writable again. An unexpected exception restarts the actor, which
 *       keeps the ids and does not hand on the spend twice.
 * </ul>
 *
 * <p>Runs on its own dispatcher: forcing a file blocks, and nothing else should wait behind it.
 */
public final class EventLog extends AbstractBehavior<EventLog.Command> {

    public sealed interface Command {}

    /** Appends a batch's new events; the reply says which were new. */
    public record Append(List<Event> events, ActorRef<StatusReply<Appended>> replyTo) implements Command {}

    /**
     * The reply to an {@link Append}: the batch's new events, in its order, now on disk, and how many of its events
     * were duplicates, acknowledged without being written again.
     */
    public record Appended(List<Event> added, int duplicates) {
        public Appended {
            added = List.copyOf(added);
        }
    }

    /**
     * Opens the log's files (the active segment, the spend snapshot's temporary file) for reading and writing, creating
     * them. The fault hook: a test hands in channels that fail as a full or broken disk does.
     */
    @FunctionalInterface
    public interface Channels {
        FileChannel open(Path file) throws IOException;
    }

    /** The file system's channels. */
    public static final Channels FILES = file ->
            FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);

    /** Where the spend found in the log goes when it opens: the server charges it to the campaigns' budgets. */
    public interface SpendReplay {
        /** Whether an event the log wrote at {@code loggedAtMs} counts toward the spend budgets hold now. */
        boolean countsNow(long loggedAtMs);

        /** The summed cost of the ad's counted events; called once per ad that has any, after the whole log is read. */
        void spent(int adId, double dollars);
    }

    private enum Flush implements Command {
        INSTANCE
    }

    private enum Retry implements Command {
        INSTANCE
    }

    /** Past the end of the file, then cut off again: what the probe writes and forces. */
    private static final int PROBE_BYTES = 4096;

    private static final double MICROS = 1_000_000.0;

    /** What outlives a restart of the actor. */
    private static final class Memory {
        final TreeMap<Long, IdSet> sealed = new TreeMap<>();
        IdSet active = new IdSet();
        long nextSeq = 1;
        /** An instant in the day the two spends below are for. */
        long spendDayMs = Long.MIN_VALUE;
        /** Per ad, that day's spend in micro-dollars of the sealed segments: what the next snapshot holds. */
        Map<Integer, Long> sealedSpend = new HashMap<>();
        /** The same for the active segment's forced events. */
        Map<Integer, Long> activeSpend = new HashMap<>();
        /** The log was read and the spend handed on: never again in this process. */
        boolean read;
        /**
         * The active segment's length at its last force, -1 before the first open: nothing past it was acknowledged.
         */
        long durableEnd = -1;
    }

    private record Pending(
            ActorRef<StatusReply<Appended>> replyTo, List<Event> added, int duplicates, long loggedAtMs) {}

    private final TimerScheduler<Command> timers;
    private final Path file;
    private final EventLogSettings settings;
    private final Channels channels;
    private final Clock clock;
    private final EventLogHealth health;
    private final SpendReplay replay;
    private final EventFeed feed;
    private final Memory memory;
    private final List<Pending> pending = new ArrayList<>();
    /** Ids written since the last force: duplicates already, though not yet in {@link Memory#active}. */
    private final Set<String> written = new HashSet<>();
    /** Null while the log cannot write. */
    private FileChannel channel;

    private boolean flushQueued;

    private EventLog(
            ActorContext<Command> context,
            TimerScheduler<Command> timers,
            Path file,
            EventLogSettings settings,
            Channels channels,
            Clock clock,
            EventLogHealth health,
            SpendReplay replay,
            EventFeed feed,
            Memory memory) {
        super(context);
        this.timers = timers;
        this.file = file;
        this.settings = settings;
        this.channels = channels;
        this.clock = clock;
        this.health = health;
        this.replay = replay;
        this.feed = feed;
        this.memory = memory;
        tryOpen();
    }

    /**
     * The log at {@code file} (the active segment; sealed ones beside it), opened through {@code channels}, timestamped
     * by {@code clock}, its state published to {@code health}, the spend it holds handed to {@code replay}, and every
     * event it holds or appends to {@code feed}.
     */
    public static Behavior<Command> create(
            Path file,
            EventLogSettings settings,
            Channels channels,
            Clock clock,
            EventLogHealth health,
            SpendReplay replay,
            EventFeed feed) {
        // The memory is made once per spawned log, outside the supervised part, so that a restart keeps it.
        return Behaviors.setup(ignored -> {
            Memory memory = new Memory();
            return Behaviors.supervise(Behaviors.<Command>setup(context -> Behaviors.withTimers(timers -> new EventLog(
                            context, timers, file, settings, channels, clock, health, replay, feed, memory))))
                    .onFailure(
                            Throwable.class,
                            SupervisorStrategy.restartWithBackoff(Duration.ofMillis(100), Duration.ofSeconds(10), 0.2));
        });
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Append.class, this::onAppend)
                .onMessageEquals(Flush.INSTANCE, this::onFlush)
                .onMessageEquals(Retry.INSTANCE, this::onRetry)
                .onSignal(PreRestart.class, signal -> onStop("the event log is restarting after an error"))
                .onSignal(PostStop.class, signal -> onStop("the event log stopped"))
                .build();
    }

    private Behavior<Command> onAppend(Append append) {
        if (channel == null) {
            append.replyTo().tell(StatusReply.error(health.problem().orElse("the event log cannot write")));
            return this;
        }
        List<Event> added = new ArrayList<>(append.events().size());
        StringBuilder lines = new StringBuilder(append.events().size() * 96);
        long now = clock.millis();
        for (Event e : append.events()) {
            if (!logged(e.eventId()) && written.add(e.eventId())) {
                added.add(e);
                EventLines.append(lines, e, now);
            }
        }
        // Pending before writing: whatever fails from here on answers it.
        pending.add(new Pending(append.replyTo(), added, append.events().size() - added.size(), now));
        if (!added.isEmpty()) {
            try {
                ByteBuffer bytes = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            } catch (IOException e) {
                fail("writing failed", e);
                return this;
            }
        }
        if (!flushQueued) {
            flushQueued = true;
            getContext().getSelf().tell(Flush.INSTANCE);
        }
        return this;
    }

    private Behavior<Command> onFlush() {
        flushQueued = false;
        if (channel == null) {
            return this; // the failure answered every pending append
        }
        try {
            long end = channel.position();
            if (end > memory.durableEnd) {
                channel.force(false);
                memory.durableEnd = end;
            }
        } catch (IOException e) {
            // After a failed fsync the kernel may have dropped the pages: nothing pending may be acknowledged.
            fail("forcing it to disk failed", e);
            return this;
        }
        for (String id : written) {
            memory.active.add(IdSet.hash(id));
        }
        written.clear();
        startSpendDay(clock.millis());
        for (Pending p : pending) {
            for (Event e : p.added()) {
                count(e, p.loggedAtMs(), memory.activeSpend);
            }
            if (!p.added().isEmpty()) {
                feed.logged(p.added(), p.loggedAtMs());
            }
        }
        // Rotated before the acknowledgements, so that an acknowledged batch finds the log in its next state.
        IOException rotation = null;
        if (memory.durableEnd >= settings.segmentBytes()) {
            try {
                rotate();
            } catch (IOException e) {
                rotation = e;
            }
        }
        for (Pending p : pending) {
            p.replyTo().tell(StatusReply.success(new Appended(p.added(), p.duplicates())));
        }
        pending.clear();
        if (rotation != null) {
            fail("rotating it failed", rotation); // what was forced stays acknowledged
        }
        return this;
    }

    private Behavior<Command> onRetry() {
        if (channel == null && tryOpen()) {
            getContext().getLog().info("the event log {} is writable again", file);
        }
        return this;
    }

    private Behavior<Command> onStop(String reason) {
        answerPending(reason);
        closeChannel();
        return this;
    }

    private boolean logged(String id) {
        if (written.contains(id)) {
            return true;
        }
        long hash = IdSet.hash(id);
        if (memory.active.contains(hash)) {
            return true;
        }
        for (IdSet s : memory.sealed.values()) {
            if (s.contains(hash)) {
                return true;
            }
        }
        return false;
    }

    /** Opens the log; on failure marks it unwritable and tries again after the retry interval. */
    private boolean tryOpen() {
        try {
            open();
            health.writable();
            return true;
        } catch (IOException | UncheckedIOException e) {
            unwritable("opening it or writing a probe failed", e);
            return false;
        }
    }

    private void open() throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        FileChannel c = channels.open(file);
        try {
            // Cut what was never acknowledged: after a failure, past the last force; at start, a line a crash tore.
            long end = memory.durableEnd >= 0 ? Math.min(memory.durableEnd, c.size()) : endOfLastLine(c);
            c.truncate(end);
            if (!memory.read) {
                read();
            }
            probe(c, end);
            c.position(end);
            memory.durableEnd = end;
            channel = c;
        } catch (IOException | RuntimeException e) {
            close(c);
            throw e;
        }
    }

    /**
     * Reads every retained segment: their ids, and the spend of today's events, handed on once the whole log is read.
     * The spend starts from today's snapshot, if there is one, and sums only the segments after it.
     */
    private void read() throws IOException {
        SpendSnapshot snapshot = todaysSnapshot();
        long covered = snapshot == null ? 0 : snapshot.covers();
        Map<Integer, Long> sealedSpend = snapshot == null ? new HashMap<>() : new HashMap<>(snapshot.micros());
        long fedUpTo = feed.replays() ? feed.restore() : Long.MAX_VALUE;
        long[] events = {0};
        int unreadable = 0;
        TreeMap<Long, IdSet> sealed = new TreeMap<>();
        for (Map.Entry<Long, Path> s : Segments.sealed(file).entrySet()) {
            IdSet ids = new IdSet();
            boolean summed = s.getKey() > covered;
            boolean fed = s.getKey() > fedUpTo;
            unreadable += Segments.read(s.getValue(), logged -> {
                ids.add(IdSet.hash(logged.event().eventId()));
                if (summed) {
                    count(logged.event(), logged.loggedAtMs(), sealedSpend);
                }
                if (fed) {
                    feed.logged(List.of(logged.event()), logged.loggedAtMs());
                }
                events[0]++;
            });
            sealed.put(s.getKey(), ids);
        }
        IdSet active = new IdSet();
        Map<Integer, Long> activeSpend = new HashMap<>();
        unreadable += Segments.read(file, logged -> {
            active.add(IdSet.hash(logged.event().eventId()));
            count(logged.event(), logged.loggedAtMs(), activeSpend);
            if (fedUpTo != Long.MAX_VALUE) {
                feed.logged(List.of(logged.event()), logged.loggedAtMs());
            }
            events[0]++;
        });
        memory.sealed.putAll(sealed);
        // Past what the snapshot covers too: a segment sealed later must never pass for one it already sums.
        memory.nextSeq = Math.max(sealed.isEmpty() ? 0 : sealed.lastKey(), covered) + 1;
        memory.active = active;
        memory.spendDayMs = clock.millis();
        memory.sealedSpend = sealedSpend;
        memory.activeSpend = activeSpend;
        memory.read = true;
        Map<Integer, Long> today = new HashMap<>(sealedSpend);
        activeSpend.forEach((ad, micros) -> today.merge(ad, micros, Long::sum));
        today.forEach((ad, micros) -> replay.spent(ad, micros / MICROS));
        getContext()
                .getLog()
                .info(
                        "read {} events from {} segment(s) of {}; today's spend of {} ads ({}) handed to the budgets",
                        events[0],
                        sealed.size() + 1,
                        file,
                        today.size(),
                        snapshot == null
                                ? "summed from these segments"
                                : "from the snapshot up to segment " + covered + " and the segments after it");
        if (unreadable > 0) {
            getContext()
                    .getLog()
                    .warn(
                            "{} lines of {} hold no event id or write time (written before events had ids, or"
                                    + " damaged): they count neither as duplicates nor toward today's spend",
                            unreadable,
                            file);
        }
    }

    /** The spend snapshot if it is today's; null when there is none, it is another day's, or it cannot be read. */
    private SpendSnapshot todaysSnapshot() {
        Path at = SpendSnapshot.beside(file);
        try {
            SpendSnapshot snapshot = SpendSnapshot.read(at);
            return snapshot != null && replay.countsNow(snapshot.dayMs()) ? snapshot : null;
        } catch (IOException e) {
            getContext()
                    .getLog()
                    .warn(
                            "the spend snapshot {} cannot be read ({}): today's spend is summed from the retained"
                                    + " segments instead, without that of segments retention deleted today",
                            at,
                            e.toString());
            return null;
        }
    }

    /** Adds the event's cost to {@code spend} when it counts toward today's budgets. */
    private void count(Event e, long loggedAtMs, Map<Integer, Long> spend) {
        if (e.cost() > 0 && replay.countsNow(loggedAtMs)) {
            spend.merge(e.adId(), Math.round(e.cost() * MICROS), Long::sum);
        }
    }

    /** Forgets the spend of a day that has ended: budgets start each day at zero. */
    private void startSpendDay(long now) {
        if (!replay.countsNow(memory.spendDayMs)) {
            memory.sealedSpend.clear();
            memory.activeSpend.clear();
            memory.spendDayMs = now;
        }
    }

    /**
     * Seals the active segment, snapshots the spend up to it, applies retention, and starts a new active segment. The
     * snapshot is durable before retention deletes anything, so every deleted segment's spend is in it.
     */
    private void rotate() throws IOException {
        FileChannel full = channel;
        channel = null;
        full.close();
        long seq = memory.nextSeq;
        Files.move(file, Segments.sealed(file, seq), StandardCopyOption.ATOMIC_MOVE);
        memory.nextSeq = seq + 1;
        memory.sealed.put(seq, memory.active);
        memory.active = new IdSet();
        memory.activeSpend.forEach((ad, micros) -> memory.sealedSpend.merge(ad, micros, Long::sum));
        memory.activeSpend.clear();
        memory.durableEnd = 0;
        // Durable before the snapshot that covers it: a snapshot must never cover what is still the active segment.
        forceDirectory();
        new SpendSnapshot(memory.spendDayMs, seq, memory.sealedSpend).write(SpendSnapshot.beside(file), channels);
        if (feed.replays()) {
            try {
                feed.snapshot(seq);
            } catch (IOException e) {
                // The log stays writable: without this snapshot a restart replays only the retained segments, and
                // the counters lose the part of their windows that retention deleted.
                getContext().getLog().warn("the counters' snapshot at segment {} failed: {}", seq, e.toString());
            }
        }
        deleteBeyondRetention();
        channel = channels.open(file);
        forceDirectory();
    }

    private void deleteBeyondRetention() throws IOException {
        TreeMap<Long, Path> onDisk = Segments.sealed(file);
        long total = Files.exists(file) ? Files.size(file) : 0;
        for (Path p : onDisk.values()) {
            total += Files.size(p);
        }
        while (!onDisk.isEmpty()
                && (onDisk.size() > settings.retentionSegments() || total > settings.retentionBytes())) {
            Map.Entry<Long, Path> oldest = onDisk.pollFirstEntry();
            total -= Files.size(oldest.getValue());
            Files.delete(oldest.getValue());
            memory.sealed.remove(oldest.getKey());
        }
    }

    /** Makes a rename or a new file in the log's folder durable. */
    private void forceDirectory() throws IOException {
        try (FileChannel dir = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    /**
     * Fails every unacknowledged append, cuts the file back to its last force, and leaves the log unwritable until a
     * retry reopens it.
     */
    private void fail(String what, Exception cause) {
        if (channel != null) {
            try {
                channel.truncate(memory.durableEnd);
            } catch (IOException e) {
                // Reopening cuts it again.
            }
        }
        closeChannel();
        answerPending(unwritable(what, cause));
    }

    /**
     * Publishes why the log cannot write and schedules the retry. The reason reaches clients (readiness, the events'
     * 503), so it holds the operating system's words for the error but no path; the log gets the whole exception.
     */
    private String unwritable(String what, Exception cause) {
        String detail = cause instanceof FileSystemException f ? f.getReason() : cause.getMessage();
        String reason = "the event log cannot write: " + what + (detail == null ? "" : " (" + detail + ")");
        getContext().getLog().warn("{}; trying again in {}: {}", reason, settings.retryInterval(), cause.toString());
        health.failed(reason);
        timers.startSingleTimer(Retry.INSTANCE, settings.retryInterval());
        return reason;
    }

    private void answerPending(String reason) {
        for (Pending p : pending) {
            p.replyTo().tell(StatusReply.error(reason));
        }
        pending.clear();
        written.clear();
    }

    private void closeChannel() {
        if (channel != null) {
            close(channel);
            channel = null;
        }
    }

    private void close(FileChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            getContext().getLog().warn("closing the event log failed: {}", e.getMessage());
        }
    }

    /**
     * Writes a block past {@code end}, forces it and cuts it off again: a full disk or a file that cannot be forced
     * fails here, before any append is acknowledged.
     */
    private static void probe(FileChannel c, long end) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(PROBE_BYTES);
        while (block.hasRemaining()) {
            c.write(block, end + block.position());
        }
        c.force(false);
        c.truncate(end);
        c.force(false);
    }

    /** The length of the file up to and including its last newline. */
    private static long endOfLastLine(FileChannel channel) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        for (long at = channel.size() - 1; at >= 0; at--) {
            one.clear();
            channel.read(one, at);
            if (one.get(0) == '\n') {
                return at + 1;
            }
        }
        return 0;
    }
}
