package adsml.actors;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ServingGuardianTest {
    private static final ActorTestKit KIT = ActorTestKit.create();

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    /** What the stage below is asked: fail with an Error, or answer. */
    private record Ask(boolean fail, ActorRef<String> replyTo) {}

    @Test
    void aStageThatFailsWithAnError_restartsForTheNextRequest() {
        ActorRef<Ask> stage = KIT.spawn(ServingGuardian.supervised(Behaviors.receiveMessage((Ask ask) -> {
            if (ask.fail()) {
                throw new AssertionError("a bug, not an Exception");
            }
            ask.replyTo().tell("answered");
            return Behaviors.same();
        })));
        TestProbe<String> probe = KIT.createTestProbe();
        stage.tell(new Ask(true, probe.getRef()));
        stage.tell(new Ask(false, probe.getRef()));
        probe.expectMessage("answered");
    }
}
