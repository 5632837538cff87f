package adsml.actors.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventLogTest {
    private static final ActorTestKit KIT = ActorTestKit.create();

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    @Test
    void append_isAcknowledgedAfterItIsOnDisk() throws Exception {
        Path file = dir.resolve("events.log");
        ActorRef<EventLog.Command> log = KIT.spawn(EventLog.create(file));
        TestProbe<StatusReply<Integer>> ack = KIT.createTestProbe();
        log.tell(new EventLog.Append(
                List.of(
                        new Event(Event.Type.IMPRESSION, "r1", "u1", 3, 1000L, 0.0),
                        new Event(Event.Type.CLICK, "r1", "u1", 3, 1001L, 0.42)),
                ack.getRef()));
        assertEquals(2, ack.receiveMessage().getValue());
        List<String> lines = Files.readAllLines(file);
        assertEquals(List.of("IMPRESSION\tr1\tu1\t3\t1000\t0.0", "CLICK\tr1\tu1\t3\t1001\t0.42"), lines);
    }

    @Test
    void restart_afterATornLine_cutsIt_andAppendsWholeLines() throws Exception {
        Path file = dir.resolve("events.log");
        Files.writeString(file, "IMPRESSION\tr1\tu1\t3\t1000\t0.0\nCLI");
        ActorRef<EventLog.Command> log = KIT.spawn(EventLog.create(file));
        TestProbe<StatusReply<Integer>> ack = KIT.createTestProbe();
        log.tell(new EventLog.Append(
                List.of(new Event(Event.Type.CONVERSION, "r2", "u2", 4, 2000L, 12.0)), ack.getRef()));
        assertEquals(1, ack.receiveMessage().getValue());
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size(), lines.toString());
        assertEquals("IMPRESSION\tr1\tu1\t3\t1000\t0.0", lines.get(0), "the whole line before the torn one is kept");
        assertTrue(lines.get(1).startsWith("CONVERSION\tr2"), lines.toString());
    }
}
