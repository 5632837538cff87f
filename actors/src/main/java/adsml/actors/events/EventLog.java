package adsml.actors.events;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.pattern.StatusReply;

/**
 * The single writer of the event log ({@code events.log}: one tab-separated line per event: type, request id, user, ad
 * id, timestamp ms, cost). An append is acknowledged only after the bytes are forced to disk, so a 2xx means the events
 * survive a crash. Appends that arrive together share one force (group commit): each append is written at once, and a
 * flush message queued behind them forces and acknowledges all of them.
 *
 * <p>Runs on the blocking dispatcher: forcing a file blocks.
 */
public final class EventLog extends AbstractBehavior<EventLog.Command> {

    public sealed interface Command {}

    public record Append(List<Event> events, ActorRef<StatusReply<Integer>> replyTo) implements Command {}

    private enum Flush implements Command {
        INSTANCE
    }

    private final FileChannel channel;
    private final List<Pending> pending = new ArrayList<>();
    private boolean flushQueued;
    /** Set when forcing failed: what is on disk is then unknown, so nothing more is acknowledged. */
    private String brokenReason;

    private record Pending(ActorRef<StatusReply<Integer>> replyTo, List<Event> events) {}

    private EventLog(ActorContext<Command> context, FileChannel channel) {
        super(context);
        this.channel = channel;
    }

    public static Behavior<Command> create(Path file) {
        return Behaviors.setup(context -> {
            Files.createDirectories(file.toAbsolutePath().getParent());
            FileChannel channel = FileChannel.open(
                    file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
            // A crash may have left half a line at the end: cut it, so the next append starts a line.
            channel.truncate(endOfLastLine(channel));
            channel.position(channel.size());
            return new EventLog(context, channel);
        });
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Append.class, this::onAppend)
                .onMessageEquals(Flush.INSTANCE, this::onFlush)
                .onSignal(PostStop.class, signal -> onStop())
                .build();
    }

    private Behavior<Command> onAppend(Append append) {
        if (brokenReason != null) {
            append.replyTo().tell(StatusReply.error(brokenReason));
            return this;
        }
        StringBuilder lines = new StringBuilder(append.events().size() * 64);
        for (Event e : append.events()) {
            lines.append(e.type().name())
                    .append('\t')
                    .append(e.requestId())
                    .append('\t')
                    .append(e.userKey())
                    .append('\t')
                    .append(e.adId())
                    .append('\t')
                    .append(e.timestampMs())
                    .append('\t')
                    .append(e.cost())
                    .append('\n');
        }
        long start = -1;
        try {
            start = channel.position();
            ByteBuffer bytes = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } catch (IOException e) {
            // A torn batch must not stay in front of the next one: cut the file back to where it began.
            try {
                if (start >= 0) {
                    channel.truncate(start);
                }
            } catch (IOException truncate) {
                brokenReason = "event log cannot be repaired after a failed write: " + truncate.getMessage();
            }
            append.replyTo().tell(StatusReply.error("event log write failed: " + e.getMessage()));
            return this;
        }
        pending.add(new Pending(append.replyTo(), append.events()));
        if (!flushQueued) {
            flushQueued = true;
            getContext().getSelf().tell(Flush.INSTANCE);
        }
        return this;
    }

    private Behavior<Command> onFlush() {
        flushQueued = false;
        try {
            channel.force(false);
        } catch (IOException e) {
            // After a failed fsync the kernel may have dropped the pages: fail-stop rather than acknowledge.
            brokenReason = "event log stopped: forcing it to disk failed: " + e.getMessage();
        }
        for (Pending p : pending) {
            if (brokenReason != null) {
                p.replyTo().tell(StatusReply.error(brokenReason));
                continue;
            }
            p.replyTo().tell(StatusReply.success(p.events().size()));
        }
        pending.clear();
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
