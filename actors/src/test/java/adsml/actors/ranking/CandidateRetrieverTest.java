package adsml.actors.ranking;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.counters.EmbeddedCounterStore;
import adsml.platform.domain.Ad;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.BidType;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.Targeting;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.features.FeatureSchema;
import adsml.platform.features.FeatureSets;
import adsml.platform.funnel.LightRanker;
import adsml.platform.index.AdEntry;
import adsml.platform.index.AdIndex;
import adsml.platform.index.Audience;
import adsml.platform.index.BudgetTracker;
import adsml.platform.index.ExactAdIndex;
import adsml.platform.model.Architecture;
import adsml.platform.model.LrWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.model.ModelSpec;
import adsml.platform.store.StoreException;
import adsml.platform.store.UserStore;
import adsml.platform.testing.FakeClock;
import adsml.scheduler.Ticker;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CandidateRetrieverTest {
    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final long FAR = Long.MAX_VALUE;
    /** Retrieval straight to the heavy model: no light model is ever active. */
    private static final CandidateRetriever.Funnel DIRECT =
            new CandidateRetriever.Funnel(10, 10, new LightRanker(), null);

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    /** Two untargeted ads; ad 1 points the way of the user below, ad 0 away from it. */
    private static ExactAdIndex index() {
        Campaign campaign = new Campaign(0, 0, BidType.CPC, 1f, 100f, 0, Targeting.ANY);
        float[] toward = new float[Vocab.EMBEDDING_DIM];
        float[] away = new float[Vocab.EMBEDDING_DIM];
        toward[0] = 1f;
        away[0] = -1f;
        return new ExactAdIndex(
                List.of(new Ad(0, 0, 0, 0, away), new Ad(1, 0, 0, 0, toward)),
                List.of(campaign),
                new BudgetTracker(Clock.systemUTC()));
    }

    private static User user(int id) {
        float[] embedding = new float[Vocab.EMBEDDING_DIM];
        embedding[0] = 1f;
        return new User(id, 0, 0, 0, new int[] {3, 4, 5}, new float[] {0.5f, 0.3f, 0.2f}, embedding);
    }

    /** A store whose loads run only when the test says so, as a slow disk would answer. */
    private static class SlowStore implements UserStore {
        final LinkedBlockingQueue<Runnable> pendingLoads = new LinkedBlockingQueue<>();
        final Executor held = pendingLoads::add;
        RuntimeException failure;

        @Override
        public Optional<User> get(int userId) {
            if (failure != null) {
                throw failure;
            }
            return Optional.of(user(userId));
        }

        @Override
        public void put(User user) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {}

        void runNextLoad() throws InterruptedException {
            pendingLoads.take().run();
        }
    }

    /** Whoever asked for the features, and its number for the request: the retriever passes them on, untouched. */
    private static final long REQUEST = 41;

    private static final TestProbe<FeatureAssembler.Scored> REQUESTER = KIT.createTestProbe();

    private static CandidateRetriever.Retrieve retrieve(
            int userId, long deadlineNanos, TestProbe<FeatureAssembler.Command> assembler) {
        return new CandidateRetriever.Retrieve(
                REQUEST,
                new RankQuery("r1", "u" + userId, userId, 0, 0, new Context(0, 12, 0), 1, deadlineNanos, false),
                assembler.getRef(),
                REQUESTER.getRef());
    }

    /** The candidates the retriever handed to the assembler, for the requester named in the request. */
    private static CandidateRetriever.Candidates handedOn(TestProbe<FeatureAssembler.Command> assembler) {
        FeatureAssembler.Assemble assemble = assembler.expectMessageClass(FeatureAssembler.Assemble.class);
        assertEquals(REQUESTER.getRef(), assemble.replyTo());
        assertEquals(REQUEST, assemble.request());
        return assemble.candidates();
    }

    @Test
    void aUserTheStoreLoadsLater_isRetrievedWhenTheLoadCompletes() throws Exception {
        SlowStore store = new SlowStore();
        ActorRef<CandidateRetriever.Command> retriever =
                KIT.spawn(CandidateRetriever.create(index(), store, store.held, DIRECT, Ticker.SYSTEM));
        TestProbe<FeatureAssembler.Command> probe = KIT.createTestProbe();
        retriever.tell(retrieve(7, FAR, probe));
        probe.expectNoMessage(Duration.ofMillis(100));
        store.runNextLoad();
        CandidateRetriever.Candidates c = handedOn(probe);
        assertFalse(c.coldStart());
        assertArrayEquals(new int[] {1, 0}, Arrays.copyOf(c.adIds(), c.count()));
    }

    /**
     * A known user's request names where the ad is seen: targeting checks the request's country and device, the
     * profile's only where the request leaves them out.
     */
    @Test
    void targeting_checksTheRequestsCountryAndDevice_overTheProfiles() throws Exception {
        Campaign inCountry1OnDevice2 =
                new Campaign(0, 0, BidType.CPC, 1f, 100f, 0, new Targeting(1 << 1, 1 << 2, 0, 0L));
        ExactAdIndex index = new ExactAdIndex(
                List.of(new Ad(0, 0, 0, 0, new float[Vocab.EMBEDDING_DIM])),
                List.of(inCountry1OnDevice2),
                new BudgetTracker(Clock.systemUTC()));
        SlowStore store = new SlowStore(); // every user lives in country 0 on device 0
        ActorRef<CandidateRetriever.Command> retriever =
                KIT.spawn(CandidateRetriever.create(index, store, Runnable::run, DIRECT, Ticker.SYSTEM));
        int[][] countryDevice = {{1, 2}, {-1, -1}, {0, 2}, {1, -1}};
        int[] expected = {1, 0, 0, 0};
        for (int i = 0; i < countryDevice.length; i++) {
            TestProbe<FeatureAssembler.Command> probe = KIT.createTestProbe();
            RankQuery q = new RankQuery(
                    "r" + i, "u7", 7, countryDevice[i][0], countryDevice[i][1], new Context(0, 12, 0), 1, FAR, false);
            retriever.tell(new CandidateRetriever.Retrieve(REQUEST, q, probe.getRef(), REQUESTER.getRef()));
            CandidateRetriever.Candidates c = handedOn(probe);
            assertEquals(expected[i], c.count(), "country " + countryDevice[i][0] + ", device " + countryDevice[i][1]);
            if (c.count() > 0) {
                assertEquals(1, c.user().country(), "the features read the request's country");
                assertEquals(2, c.user().device(), "and its device");
            }
        }
    }

    @Test
    void aFailingStore_servesAColdStart() throws Exception {
        SlowStore store = new SlowStore();
        store.failure = new StoreException("disk gone", null);
        ActorRef<CandidateRetriever.Command> retriever =
                KIT.spawn(CandidateRetriever.create(index(), store, store.held, DIRECT, Ticker.SYSTEM));
        TestProbe<FeatureAssembler.Command> probe = KIT.createTestProbe();
        retriever.tell(retrieve(7, FAR, probe));
        store.runNextLoad();
        CandidateRetriever.Candidates c = handedOn(probe);
        assertTrue(c.coldStart());
        assertEquals(2, c.count(), "untargeted ads still serve an unknown user");
    }

    @Test
    void aRequestWhoseDeadlinePassedDuringTheLoad_isDropped() throws Exception {
        SlowStore store = new SlowStore();
        FakeClock clock = new FakeClock(Instant.parse("2025-03-01T12:00:00Z"));
        ActorRef<CandidateRetriever.Command> retriever =
                KIT.spawn(CandidateRetriever.create(index(), store, store.held, DIRECT, clock::nanos));
        TestProbe<FeatureAssembler.Command> probe = KIT.createTestProbe();
        retriever.tell(retrieve(7, clock.nanos() + 1_000, probe));
        Runnable load = store.pendingLoads.take(); // the retriever has asked, before its deadline
        clock.advance(Duration.ofNanos(1_000));
        load.run();
        probe.expectNoMessage(Duration.ofMillis(200));
    }

    @Test
    void aCachedUser_isAnsweredWithoutTheExecutor() {
        UserStore cached = new SlowStore() {
            @Override
            public CompletableFuture<Optional<User>> getAsync(int userId, Executor executor) {
                return CompletableFuture.completedFuture(Optional.of(user(userId)));
            }
        };
        Executor refuses = task -> {
            throw new AssertionError("a cached user must not be loaded");
        };
        ActorRef<CandidateRetriever.Command> retriever =
                KIT.spawn(CandidateRetriever.create(index(), cached, refuses, DIRECT, Ticker.SYSTEM));
        TestProbe<FeatureAssembler.Command> probe = KIT.createTestProbe();
        retriever.tell(retrieve(7, FAR, probe));
        assertFalse(handedOn(probe).coldStart());
    }

    /** An index whose retrieval answers only when the test says so, as a scan on a busy device would. */
    private static final class HeldIndex implements AdIndex {
        final ExactAdIndex inner = index();
        final LinkedBlockingQueue<Runnable> pending = new LinkedBlockingQueue<>();

        @Override
        public CompletionStage<Integer> retrieveLater(
                Audience audience, Context context, int max, int[] outAdIds, Executor cpu) {
            CompletableFuture<Integer> count = new CompletableFuture<>();
            pending.add(() -> count.complete(inner.retrieve(audience, context, max, outAdIds)));
            return count;
        }

        @Override
        public int retrieve(User user, Context context, int max, int[] outAdIds) {
            throw new AssertionError("a retriever must not wait for the device");
        }

        @Override
        public int retrieve(Audience audience, Context context, int max, int[] outAdIds) {
            throw new AssertionError("a retriever must not wait for the device");
        }

        @Override
        public Optional<AdEntry> get(int adId) {
            return inner.get(adId);
        }

        @Override
        public AdColumns resolve(int[] adIds, int count) {
            return inner.resolve(adIds, count);
        }

        @Override
        public void upsert(Ad ad, Campaign campaign) {
            inner.upsert(ad, campaign);
        }

        @Override
        public boolean setPaused(int adId, boolean paused) {
            return inner.setPaused(adId, paused);
        }

        @Override
        public int size() {
            return inner.size();
        }
    }

    /**
     * While one request's retrieval waits on the device, the retriever takes the next request: the two answers come in
     * the order the device gives them, each with its own ids; one whose deadline passed meanwhile is dropped.
     */
    @Test
    void aRetrievalThatAnswersLater_holdsNoThread_andEachAnswerFindsItsRequest() throws Exception {
        HeldIndex index = new HeldIndex();
        UserStore cached = new SlowStore() {
            @Override
            public CompletableFuture<Optional<User>> getAsync(int userId, Executor executor) {
                return CompletableFuture.completedFuture(Optional.of(user(userId)));
            }
        };
        FakeClock clock = new FakeClock(Instant.parse("2025-03-01T12:00:00Z"));
        ActorRef<CandidateRetriever.Command> retriever =
                KIT.spawn(CandidateRetriever.create(index, cached, Runnable::run, DIRECT, clock::nanos));
        TestProbe<FeatureAssembler.Command> probe = KIT.createTestProbe();
        retriever.tell(retrieve(7, FAR, probe));
        retriever.tell(retrieve(8, FAR, probe));
        retriever.tell(retrieve(9, clock.nanos() + 1_000, probe));
        Runnable seven = index.pending.poll(5, TimeUnit.SECONDS);
        Runnable eight = index.pending.poll(5, TimeUnit.SECONDS);
        Runnable nine = index.pending.poll(5, TimeUnit.SECONDS);
        assertNotNull(nine, "the retriever took all three requests while none was answered");
        probe.expectNoMessage(Duration.ofMillis(50));

        eight.run();
        FeatureAssembler.Assemble first = probe.expectMessageClass(FeatureAssembler.Assemble.class);
        assertEquals(8, first.query().userId());
        assertArrayEquals(
                new int[] {1, 0},
                Arrays.copyOf(first.candidates().adIds(), first.candidates().count()));
        seven.run();
        assertEquals(
                7,
                probe.expectMessageClass(FeatureAssembler.Assemble.class)
                        .query()
                        .userId());
        clock.advance(Duration.ofNanos(1_000));
        nine.run();
        probe.expectNoMessage(Duration.ofMillis(200));
    }

    @Test
    void aLightModel_cutsAWideRetrievalByItsEcpm(@TempDir Path models) throws Exception {
        // Ad 1 points the user's way at a bid of 1; ad 0 points away at a bid of 5.
        float[] toward = new float[Vocab.EMBEDDING_DIM];
        float[] away = new float[Vocab.EMBEDDING_DIM];
        toward[0] = 1f;
        away[0] = -1f;
        ExactAdIndex index = new ExactAdIndex(
                List.of(new Ad(0, 1, 0, 0, away), new Ad(1, 0, 0, 0, toward)),
                List.of(
                        new Campaign(0, 0, BidType.CPC, 1f, 100f, 0, Targeting.ANY),
                        new Campaign(1, 1, BidType.CPC, 5f, 100f, 0, Targeting.ANY)),
                new BudgetTracker(Clock.systemUTC()));
        FeatureSets sets = FeatureSets.builtIn();
        FeatureSchema schema = sets.require("light-v1").schema();
        ModelSpec spec = new ModelSpec(
                "light", "0", Architecture.LR, schema, 0, 0, List.of(), ModelSpec.CTR_CVR, Map.of(), null, Map.of());
        Path version = ModelFolder.saveNextVersion(
                new Model.Lr(
                        spec,
                        new LrWeights(
                                new float[2 * schema.totalRows()], new float[2 * schema.denseDims()], new float[2])),
                models.resolve("light"));
        LightRanker light = new LightRanker();
        try (EmbeddedCounterStore counters = new EmbeddedCounterStore(100)) {
            FeatureStores stores = new FeatureStores(sets, counters, () -> 0L);
            SlowStore users = new SlowStore();
            ActorRef<CandidateRetriever.Command> retriever = KIT.spawn(CandidateRetriever.create(
                    index, users, Runnable::run, new CandidateRetriever.Funnel(1, 2, light, stores), Ticker.SYSTEM));
            TestProbe<FeatureAssembler.Command> probe = KIT.createTestProbe();

            retriever.tell(retrieve(7, FAR, probe));
            CandidateRetriever.Candidates direct = handedOn(probe);
            assertEquals(1, direct.retrieved(), "no light model: retrieval finds maxCandidates");
            assertEquals(1, direct.adIds()[0]);
            assertNull(direct.lightVersion());

            light.activate(LightRanker.load(version, sets));
            retriever.tell(retrieve(7, FAR, probe));
            CandidateRetriever.Candidates cut = handedOn(probe);
            assertEquals(2, cut.retrieved());
            assertEquals(1, cut.count());
            assertEquals(0, cut.adIds()[0], "the same pCTR for both: the higher bid wins the cut");
            assertEquals("light/1", cut.lightVersion());
            assertTrue(cut.cutNanos() >= cut.retrievedNanos());
        }
    }
}
