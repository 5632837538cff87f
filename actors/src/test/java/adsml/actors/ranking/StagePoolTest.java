package adsml.actors.ranking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class StagePoolTest {
    private static final ActorTestKit KIT = ActorTestKit.create();

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    @Test
    void next_takesTheMembersInTurn() {
        ActorRef<String> a = KIT.<String>createTestProbe().getRef();
        ActorRef<String> b = KIT.<String>createTestProbe().getRef();
        ActorRef<String> c = KIT.<String>createTestProbe().getRef();
        StagePool<String> pool = new StagePool<>(List.of(a, b, c));
        assertEquals(
                List.of(a, b, c, a, b, c, a),
                List.of(pool.next(), pool.next(), pool.next(), pool.next(), pool.next(), pool.next(), pool.next()));
    }

    @Test
    void anEmptyPool_isRefused() {
        assertThrows(IllegalArgumentException.class, () -> new StagePool<String>(List.of()));
    }
}
