package adsml.actors.events;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.pattern.StatusReply;

/**
 * The single writer of the event log ({@code events.log}: one tab-separated line per event:
 * type, request id, user, ad id, timestamp ms, cost). An append is acknowledged only after the
 * bytes are forced to disk, so a 2xx means the events survive a crash. Appends that arrive
 * together share one force (group commit): each append is written at once, and a flush message
 * queued behind them forces and acknowledges all of them.
 *
 * <p>Runs on the blocking dispatcher: forcing a file blocks.
 */
public final class EventLog extends AbstractBehavior<EventLog.Command> {

    public sealed interface Command {
    }

    public record Append(List<Event> events, ActorRef<StatusReply<Integer>> replyTo) implements Command {
    }

    /** Events counted by type since the log was created, across restarts. */
    public record GetCounts(ActorRef<Map<Event.Type, Long>> replyTo) implements Command {
    }

    private enum Flush implements Command {
        INSTANCE
    }

    private final FileChannel channel;
    private final Map<Event.Type, Long> counts;
    private final List<Pending> pending = new ArrayList<>();
    private boolean flushQueued;

    private record Pending(ActorRef<StatusReply<Integer>> replyTo, int events) {
    }

    private EventLog(ActorContext<Command> context, FileChannel channel, Map<Event.Type, Long> counts) {
        super(context);
        this.channel = channel;
        this.counts = counts;
    }

    public static Behavior<Command> create(Path file) {
        return Behaviors.setup(context -> {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Map<Event.Type, Long> counts = countExisting(file);
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            return new EventLog(context, channel, counts);
        });
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Append.class, this::onAppend)
                .onMessageEquals(Flush.INSTANCE, this::onFlush)
                .onMessage(GetCounts.class, this::onGetCounts)
                .onSignal(PostStop.class, signal -> onStop())
                .build();
    }

    private Behavior<Command> onAppend(Append append) {
        StringBuilder lines = new StringBuilder(append.events().size() * 64);
        for (Event e : append.events()) {
            lines.append(e.type().name()).append('\t').append(e.requestId()).append('\t').append(e.userKey()).append('\t')
                    .append(e.adId()).append('\t').append(e.timestampMs()).append('\t').append(e.cost()).append('\n');
        }
        try {
            ByteBuffer bytes = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } catch (IOException e) {
            append.replyTo().tell(StatusReply.error("event log write failed: " + e.getMessage()));
            return this;
        }
        for (Event e : append.events()) {
            counts.merge(e.type(), 1L, Long::sum);
        }
        pending.add(new Pending(append.replyTo(), append.events().size()));
        if (!flushQueued) {
            flushQueued = true;
            getContext().getSelf().tell(Flush.INSTANCE);
        }
        return this;
    }

    private Behavior<Command> onFlush() {
        flushQueued = false;
        StatusReply<Integer> failure = null;
        try {
            channel.force(false);
        } catch (IOException e) {
            failure = StatusReply.error("event log force failed: " + e.getMessage());
        }
        for (Pending p : pending) {
            p.replyTo().tell(failure != null ? StatusReply.error(failure.getError()) : StatusReply.success(p.events()));
        }
        pending.clear();
        return this;
    }

    private Behavior<Command> onGetCounts(GetCounts get) {
        get.replyTo().tell(Map.copyOf(counts));
        return this;
    }

    private Behavior<Command> onStop() {
        try {
            channel.close();
        } catch (IOException e) {
            getContext().getLog().warn("closing the event log failed: {}", e.getMessage());
        }
        return this;
    }

    private static Map<Event.Type, Long> countExisting(Path file) {
        Map<Event.Type, Long> counts = new EnumMap<>(Event.Type.class);
        for (Event.Type t : Event.Type.values()) {
            counts.put(t, 0L);
        }
        if (!Files.exists(file)) {
            return counts;
        }
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    counts.merge(Event.Type.valueOf(line.substring(0, tab)), 1L, Long::sum);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the event log " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the event log " + file + " holds an unknown event type", e);
        }
        return counts;
    }
}
