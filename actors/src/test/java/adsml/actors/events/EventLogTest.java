package adsml.actors.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
    void append_isAcknowledgedAfterItIsOnDisk_andCounted() throws Exception {
        Path file = dir.resolve("events.log");
        ActorRef<EventLog.Command> log = KIT.spawn(EventLog.create(file));
        TestProbe<StatusReply<Integer>> ack = KIT.createTestProbe();
        log.tell(new EventLog.Append(List.of(
                new Event(Event.Type.IMPRESSION, "r1", "u1", 3, 1000L, 0.0),
                new Event(Event.Type.CLICK, "r1", "u1", 3, 1001L, 0.42)), ack.getRef()));
        assertEquals(2, ack.receiveMessage().getValue());
        List<String> lines = Files.readAllLines(file);
        assertEquals(List.of("IMPRESSION\tr1\tu1\t3\t1000\t0.0", "CLICK\tr1\tu1\t3\t1001\t0.42"), lines);
        TestProbe<Map<Event.Type, Long>> counts = KIT.createTestProbe();
        log.tell(new EventLog.GetCounts(counts.getRef()));
        assertEquals(1L, counts.receiveMessage().get(Event.Type.CLICK));
    }

    @Test
    void restart_afterATornLine_cutsIt_andKeepsCountingWholeLines() throws Exception {
        Path file = dir.resolve("events.log");
        Files.writeString(file, "IMPRESSION\tr1\tu1\t3\t1000\t0.0\nCLI");
        ActorRef<EventLog.Command> log = KIT.spawn(EventLog.create(file));
        TestProbe<StatusReply<Integer>> ack = KIT.createTestProbe();
        log.tell(new EventLog.Append(List.of(new Event(Event.Type.CONVERSION, "r2", "u2", 4, 2000L, 12.0)), ack.getRef()));
        assertEquals(1, ack.receiveMessage().getValue());
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(1).startsWith("CONVERSION\tr2"), lines.toString());
        TestProbe<Map<Event.Type, Long>> counts = KIT.createTestProbe();
        log.tell(new EventLog.GetCounts(counts.getRef()));
        Map<Event.Type, Long> c = counts.receiveMessage();
        assertEquals(1L, c.get(Event.Type.IMPRESSION));
        assertEquals(1L, c.get(Event.Type.CONVERSION));
        assertEquals(0L, c.get(Event.Type.CLICK));
    }
}
