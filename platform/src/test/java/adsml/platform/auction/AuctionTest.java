package adsml.platform.auction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.domain.BidType;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Targeting;
import adsml.platform.index.BudgetTracker;
import adsml.platform.testing.FakeClock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AuctionTest {
    private static final double EPS = 1e-6;

    private final BudgetTracker budget = new BudgetTracker(new FakeClock(Instant.parse("2025-03-01T12:00:00Z")));

    /** A campaign of advertiser {@code id}: campaigns of these tests have an advertiser each, unless named. */
    private Campaign campaign(int id, BidType type, float bid) {
        return campaign(id, id, type, bid);
    }

    private Campaign campaign(int id, int advertiserId, BidType type, float bid) {
        Campaign c = new Campaign(id, advertiserId, type, bid, 100f, 0, Targeting.ANY);
        budget.register(c);
        return c;
    }

    /**
     * Candidate {@code i} is ad {@code adIds[i]} of {@code campaigns[i]}, in the columns the ranking pipeline hands the
     * auction.
     */
    private static Bids bids(int[] adIds, Campaign... campaigns) {
        int[] campaignIds = new int[adIds.length];
        int[] advertiserIds = new int[adIds.length];
        float[] bids = new float[adIds.length];
        BidType[] bidTypes = new BidType[adIds.length];
        for (int i = 0; i < adIds.length; i++) {
            campaignIds[i] = campaigns[i].id();
            advertiserIds[i] = campaigns[i].advertiserId();
            bids[i] = campaigns[i].bid();
            bidTypes[i] = campaigns[i].bidType();
        }
        return new Bids(0, adIds, campaignIds, advertiserIds, bids, bidTypes);
    }

    @Test
    void ecpm_perBidType() {
        assertEquals(20.0, Auction.ecpm(campaign(0, BidType.CPC, 2f), 0.01f, 0.5f), EPS);
        assertEquals(100.0, Auction.ecpm(campaign(1, BidType.CPA, 50f), 0.02f, 0.1f), EPS);
        assertEquals(4.0, Auction.ecpm(campaign(2, BidType.CPM, 4f), 0.01f, 0.5f), EPS);
    }

    @Test
    void run_gspPricesHandComputed() {
        // eCPMs: A (CPC 2.00 x 1%) 20, B (CPM 12) 12, C (CPA 40 x 1% x 2%) 8, D (CPC 1.00 x 0.05%) 0.5.
        Campaign[] campaigns = {
            campaign(0, BidType.CPA, 40f),
            campaign(1, BidType.CPC, 2f),
            campaign(2, BidType.CPC, 1f),
            campaign(3, BidType.CPM, 12f)
        };
        int[] adIds = {30, 10, 20, 40};
        float[] pCtr = {0.01f, 0.01f, 0.0005f, 0.3f};
        float[] pCvr = {0.02f, 0.9f, 0.9f, 0.9f};
        AuctionResult r = new Auction(new AuctionSettings(1.0, 2), budget).run(bids(adIds, campaigns), pCtr, pCvr, 2);

        assertEquals(2, r.winners());
        assertEquals(10, r.adId(0));
        assertEquals(1, r.candidateIndex(0));
        assertEquals(20.0, r.ecpm(0), EPS);
        assertEquals(12.0, r.priceEcpm(0), EPS, "the next eCPM");
        assertEquals(1.20, r.priceBid(0), EPS, "12 / 20 x $2.00 per click");

        assertEquals(40, r.adId(1));
        assertEquals(12.0, r.ecpm(1), EPS);
        assertEquals(8.0, r.priceEcpm(1), EPS, "the first loser's eCPM sets the last price");
        assertEquals(8.0, r.priceBid(1), EPS, "CPM: the bid unit is the eCPM");

        assertEquals(Outcome.OUTBID, r.outcome(0));
        assertEquals(Outcome.WON, r.outcome(1));
        assertEquals(Outcome.BELOW_RESERVE, r.outcome(2));
        assertEquals(Outcome.WON, r.outcome(3));
        assertEquals(8.0, r.candidateEcpm(0), EPS);
        assertEquals(0.5, r.candidateEcpm(2), EPS);
    }

    @Test
    void run_lastWinnerPaysTheReserveWhenNobodyRanksBelow() {
        Campaign[] campaigns = {campaign(0, BidType.CPC, 1f), campaign(1, BidType.CPA, 20f)};
        AuctionResult r = new Auction(new AuctionSettings(2.5, 3), budget)
                .run(bids(new int[] {1, 2}, campaigns), new float[] {0.01f, 0.001f}, new float[] {0f, 0.1f}, 3);
        // eCPMs 10 and 2: the second is below the 2.5 reserve, so the winner pays the reserve.
        assertEquals(1, r.winners());
        assertEquals(2.5, r.priceEcpm(0), EPS);
        assertEquals(0.25, r.priceBid(0), EPS, "2.5 / 10 x $1.00");
        assertEquals(Outcome.BELOW_RESERVE, r.outcome(1));
    }

    @Test
    void run_eCpmEqualToTheReserveQualifiesAndPaysItsBid() {
        Campaign[] campaigns = {campaign(0, BidType.CPM, 3f)};
        AuctionResult r = new Auction(new AuctionSettings(3.0, 1), budget)
                .run(bids(new int[] {5}, campaigns), new float[] {0f}, new float[] {0f}, 1);
        assertEquals(1, r.winners());
        assertEquals(3.0, r.priceBid(0), EPS);
    }

    @Test
    void run_fillsAtMostTheRequestedAndTheMaximumSlots() {
        Campaign[] campaigns = new Campaign[5];
        int[] adIds = new int[5];
        float[] pCtr = new float[5];
        for (int i = 0; i < 5; i++) {
            campaigns[i] = campaign(i, BidType.CPM, 1f + i);
            adIds[i] = i;
        }
        Auction auction = new Auction(new AuctionSettings(0, 3), budget);
        AuctionResult r = auction.run(bids(adIds, campaigns), pCtr, pCtr, 5);
        assertEquals(3, r.winners());
        assertEquals(4, r.adId(0));
        assertEquals(3, r.adId(1));
        assertEquals(2, r.adId(2));
        assertEquals(2.0, r.priceBid(2), EPS);
        assertEquals(Outcome.OUTBID, r.outcome(1));
        assertEquals(Outcome.OUTBID, r.outcome(0));

        AuctionResult one = auction.run(bids(adIds, campaigns), pCtr, pCtr, 1);
        assertEquals(1, one.winners());
        assertEquals(Outcome.OUTBID, one.outcome(3));
        assertEquals(4.0, one.priceBid(0), EPS);
        assertThrows(IndexOutOfBoundsException.class, () -> one.adId(1));
    }

    @Test
    void run_outOfBudgetCandidatesLoseAndSetNoPrice() {
        Campaign rich = campaign(0, BidType.CPM, 50f);
        Campaign mid = campaign(1, BidType.CPM, 10f);
        Campaign low = campaign(2, BidType.CPM, 4f);
        budget.charge(0, 100.0);
        float[] zeros = new float[3];
        AuctionResult r = new Auction(new AuctionSettings(1.0, 1), budget)
                .run(bids(new int[] {1, 2, 3}, rich, mid, low), zeros, zeros, 1);
        assertEquals(Outcome.OUT_OF_BUDGET, r.outcome(0));
        assertEquals(50.0, r.candidateEcpm(0), EPS, "its eCPM is still shown to the explainer");
        assertEquals(2, r.adId(0));
        assertEquals(4.0, r.priceEcpm(0), EPS);
        assertEquals(Outcome.OUTBID, r.outcome(2));
    }

    @Test
    void run_tiesGoToTheLowerAdIdAndPayTheFullBid() {
        Campaign a = campaign(0, BidType.CPC, 2f);
        Campaign b = campaign(1, BidType.CPC, 2f);
        AuctionResult r = new Auction(new AuctionSettings(0, 1), budget)
                .run(bids(new int[] {9, 3}, a, b), new float[] {0.01f, 0.01f}, new float[2], 1);
        assertEquals(3, r.adId(0));
        assertEquals(1, r.candidateIndex(0));
        assertEquals(2.0, r.priceBid(0), EPS, "the runner-up has the same eCPM");
        assertEquals(Outcome.OUTBID, r.outcome(0));
    }

    /**
     * The winners, runner-up and prices against a sort of every ranked candidate, on inputs crowded with ties: eCPMs
     * from a handful of values, ad ids repeated, a reserve that excludes some.
     */
    @Test
    void run_isASortOfEveryRankedCandidate_onRandomTies_withAndWithoutDiversity() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        Campaign[] pool = new Campaign[6];
        for (int c = 0; c < pool.length; c++) {
            pool[c] = campaign(c, c % 4, c % 3 == 0 ? BidType.CPM : BidType.CPC, 1 + c % 3);
        }
        for (AuctionSettings.Diversity diversity : new AuctionSettings.Diversity[] {
            AuctionSettings.Diversity.NONE, AuctionSettings.Diversity.ONE_PER_ADVERTISER
        }) {
            for (int round = 0; round < 500; round++) {
                int n = random.nextInt(40);
                int slots = random.nextInt(7);
                int[] adIds = new int[n];
                Campaign[] campaigns = new Campaign[n];
                float[] pCtr = new float[n];
                for (int i = 0; i < n; i++) {
                    adIds[i] = random.nextInt(8);
                    campaigns[i] = pool[random.nextInt(pool.length)];
                    pCtr[i] = random.nextInt(4) * 0.001f;
                }
                Auction auction = new Auction(new AuctionSettings(1.0, 4, diversity), budget);
                AuctionResult r = auction.run(bids(adIds, campaigns), pCtr, new float[n], slots);
                String where = diversity.per() + " round " + round;

                java.util.List<Integer> ranked = new java.util.ArrayList<>();
                for (int i = 0; i < n; i++) {
                    if (r.candidateEcpm(i) >= 1.0) {
                        ranked.add(i);
                    }
                }
                ranked.sort(java.util.Comparator.<Integer>comparingDouble(i -> -r.candidateEcpm(i))
                        .thenComparingInt(i -> adIds[i])
                        .thenComparingInt(i -> i));
                // The reference: walk the ranking, keeping a candidate while its advertiser holds fewer than the limit.
                int places = Math.min(slots, 4);
                java.util.List<Integer> kept = new java.util.ArrayList<>();
                java.util.Map<Integer, Integer> held = new java.util.HashMap<>();
                for (int i : ranked) {
                    int advertiser = campaigns[i].advertiserId();
                    boolean bounded = diversity.per() == AuctionSettings.Diversity.Per.ADVERTISER;
                    if (kept.size() <= places && (!bounded || held.getOrDefault(advertiser, 0) < diversity.limit())) {
                        kept.add(i);
                        held.merge(advertiser, 1, Integer::sum);
                    }
                }
                int winners = Math.min(places, kept.size());
                assertEquals(winners, r.winners(), where);
                for (int k = 0; k < winners; k++) {
                    int i = kept.get(k);
                    assertEquals(i, r.candidateIndex(k), where + ", slot " + k);
                    double next = k + 1 < kept.size() ? r.candidateEcpm(kept.get(k + 1)) : 0.0;
                    assertEquals(Math.min(r.ecpm(k), Math.max(1.0, next)), r.priceEcpm(k), EPS, where);
                    assertEquals(Outcome.WON, r.outcome(i));
                }
                for (int i : ranked) {
                    if (r.outcome(i) != Outcome.WON) {
                        boolean aboveLastWinner =
                                winners > 0 && ranked.indexOf(i) < ranked.indexOf(kept.get(winners - 1));
                        boolean passedOver = !kept.subList(0, winners).contains(i)
                                && (aboveLastWinner || (winners < places && !kept.contains(i)));
                        assertEquals(passedOver ? Outcome.DIVERSITY : Outcome.OUTBID, r.outcome(i), where);
                    }
                }
            }
        }
    }

    @Test
    void run_nanOrZeroPredictionsNeverWin() {
        Campaign a = campaign(0, BidType.CPC, 2f);
        Campaign b = campaign(1, BidType.CPC, 2f);
        AuctionResult r = new Auction(new AuctionSettings(0, 2), budget)
                .run(bids(new int[] {1, 2}, a, b), new float[] {Float.NaN, 0f}, new float[2], 2);
        assertEquals(0, r.winners());
        assertEquals(Outcome.INVALID_SCORE, r.outcome(0));
        assertEquals(Outcome.BELOW_RESERVE, r.outcome(1));
    }

    @Test
    void run_predictionsOutsideZeroToOne_takeNoPart_evenAnInfiniteOne() {
        Campaign inf = campaign(0, BidType.CPC, 2f);
        Campaign above = campaign(1, BidType.CPC, 2f);
        Campaign cpa = campaign(2, BidType.CPA, 2f);
        Campaign fair = campaign(3, BidType.CPC, 1f);
        AuctionResult r = new Auction(new AuctionSettings(0, 3), budget)
                .run(
                        bids(new int[] {1, 2, 3, 4}, inf, above, cpa, fair),
                        new float[] {Float.POSITIVE_INFINITY, 1.5f, 0.5f, 0.1f},
                        new float[] {0f, 0f, -0.2f, 0f},
                        3);
        assertEquals(1, r.winners(), "only the fair candidate is ranked");
        assertEquals(Outcome.INVALID_SCORE, r.outcome(0));
        assertEquals(Outcome.INVALID_SCORE, r.outcome(1));
        assertEquals(Outcome.INVALID_SCORE, r.outcome(2), "a CPA bid needs a valid pCVR too");
        assertEquals(Outcome.WON, r.outcome(3));
    }

    @Test
    void run_noCandidatesNoWinners() {
        AuctionResult r =
                new Auction(new AuctionSettings(0, 2), budget).run(bids(new int[0]), new float[0], new float[0], 2);
        assertEquals(0, r.winners());
        assertEquals(0, r.candidates());
    }

    @Test
    void bids_rejectRaggedArraysAndScoresShorterThanThem() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new Bids(0, new int[2], new int[2], new int[2], new float[1], new BidType[2]));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Bids(0, new int[1], new int[1], new int[1], new float[1], new BidType[1]));
        Bids two =
                new Bids(0, new int[2], new int[2], new int[2], new float[2], new BidType[] {BidType.CPM, BidType.CPM});
        Auction auction = new Auction(new AuctionSettings(0, 2), budget);
        assertThrows(IllegalArgumentException.class, () -> auction.run(two, new float[1], new float[2], 1));
    }

    @Test
    void settings_rejectBadValues() {
        assertThrows(IllegalArgumentException.class, () -> new AuctionSettings(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> new AuctionSettings(Double.NaN, 1));
        assertThrows(IllegalArgumentException.class, () -> new AuctionSettings(0, 0));
    }

    @Test
    void diversity_oneAdPerAdvertiser_theNextAdvertiserTakesTheSlot_andPricesReadTheDiversifiedRanking() {
        // eCPMs (CPM bids): advertiser 7's two ads 20 and 15, advertiser 8's 12, advertiser 9's 5.
        Campaign[] campaigns = {
            campaign(0, 7, BidType.CPM, 20f),
            campaign(1, 7, BidType.CPM, 15f),
            campaign(2, 8, BidType.CPM, 12f),
            campaign(3, 9, BidType.CPM, 5f)
        };
        float[] p = {0.01f, 0.01f, 0.01f, 0.01f};
        AuctionResult r =
                new Auction(new AuctionSettings(1.0, 2), budget).run(bids(new int[] {1, 2, 3, 4}, campaigns), p, p, 2);
        assertEquals(2, r.winners());
        assertEquals(1, r.adId(0));
        assertEquals(3, r.adId(1), "advertiser 7's second ad is passed over");
        assertEquals(Outcome.DIVERSITY, r.outcome(1));
        assertEquals(Outcome.OUTBID, r.outcome(3));
        assertEquals(12.0, r.priceEcpm(0), EPS, "slot 0 pays the next kept candidate, not the one passed over");
        assertEquals(5.0, r.priceEcpm(1), EPS);
    }

    @Test
    void diversity_perCampaignWithALimit_andNone() {
        Campaign[] campaigns = {
            campaign(0, 7, BidType.CPM, 20f),
            campaign(0, 7, BidType.CPM, 20f),
            campaign(0, 7, BidType.CPM, 20f),
            campaign(1, 7, BidType.CPM, 10f)
        };
        Bids bids = bids(new int[] {1, 2, 3, 4}, campaigns);
        float[] p = {0.01f, 0.01f, 0.01f, 0.01f};
        AuctionSettings.Diversity twoPerCampaign =
                new AuctionSettings.Diversity(AuctionSettings.Diversity.Per.CAMPAIGN, 2);
        AuctionResult r = new Auction(new AuctionSettings(0, 3, twoPerCampaign), budget).run(bids, p, p, 3);
        assertEquals(3, r.winners());
        assertEquals(4, r.adId(2), "campaign 0 holds two slots; its third ad is passed over");
        assertEquals(Outcome.DIVERSITY, r.outcome(2));
        AuctionResult none =
                new Auction(new AuctionSettings(0, 3, AuctionSettings.Diversity.NONE), budget).run(bids, p, p, 3);
        assertEquals(3, none.adId(2), "no bound: the ranking alone");
    }

    @Test
    void diversity_slotsLeftEmpty_whenOneAdvertiserHoldsEveryCandidate() {
        Campaign[] campaigns = {campaign(0, 7, BidType.CPM, 20f), campaign(1, 7, BidType.CPM, 15f)};
        float[] p = {0.01f, 0.01f};
        AuctionResult r =
                new Auction(new AuctionSettings(1.0, 5), budget).run(bids(new int[] {1, 2}, campaigns), p, p, 5);
        assertEquals(1, r.winners());
        assertEquals(Outcome.DIVERSITY, r.outcome(1));
        assertEquals(1.0, r.priceEcpm(0), EPS, "nobody kept after it: the reserve");
        AuctionResult noSlot =
                new Auction(new AuctionSettings(1.0, 5), budget).run(bids(new int[] {1, 2}, campaigns), p, p, 0);
        assertEquals(Outcome.OUTBID, noSlot.outcome(0), "no slot asked for: nothing passed over");
    }

    @Test
    void settings_diversityIsReadFromConfig_andABadScopeNamesTheKey() {
        AuctionSettings read = AuctionSettings.from(com.typesafe.config.ConfigFactory.parseString(
                        "adsml.platform.auction.diversity { per = campaign, limit = 2 }")
                .withFallback(com.typesafe.config.ConfigFactory.defaultReference()));
        assertEquals(new AuctionSettings.Diversity(AuctionSettings.Diversity.Per.CAMPAIGN, 2), read.diversity());
        com.typesafe.config.ConfigException e = assertThrows(
                com.typesafe.config.ConfigException.class,
                () -> AuctionSettings.from(
                        com.typesafe.config.ConfigFactory.parseString("adsml.platform.auction.diversity.per = brand")
                                .withFallback(com.typesafe.config.ConfigFactory.defaultReference())));
        assertTrue(e.getMessage().contains("adsml.platform.auction.diversity.per"), e.getMessage());
    }

    @Test
    void marketplaceRules_eachLoserNamesItsReason() {
        // Candidate 0 capped by its ad's count, 1 by its campaign's, 2 under the quality floor, 3 wins.
        Campaign[] campaigns = {
            campaign(0, BidType.CPM, 30f),
            campaign(1, BidType.CPM, 25f),
            campaign(2, BidType.CPM, 20f),
            campaign(3, BidType.CPM, 10f)
        };
        Bids plain = bids(new int[] {1, 2, 3, 4}, campaigns);
        Bids bids = new Bids(
                0,
                plain.adIds(),
                plain.campaignIds(),
                plain.advertiserIds(),
                plain.bids(),
                plain.bidTypes(),
                new float[] {2, 0, 0, 1},
                new float[] {2, 4, 0, 3});
        AuctionSettings settings = new AuctionSettings(
                java.util.Collections.nCopies(adsml.platform.domain.Vocab.SURFACES.length, 0.5),
                0.002,
                3,
                AuctionSettings.Diversity.ONE_PER_ADVERTISER,
                new AuctionSettings.FrequencyCap(4, 2),
                AuctionSettings.Billing.ACTION,
                AuctionSettings.Exploration.NONE);
        float[] pCtr = {0.01f, 0.01f, 0.001f, 0.01f};
        AuctionResult r = new Auction(settings, budget).run(bids, pCtr, new float[4], 3);
        assertEquals(Outcome.FREQUENCY_CAPPED, r.outcome(0), "shown the ad twice: the ad's cap");
        assertEquals(Outcome.FREQUENCY_CAPPED, r.outcome(1), "shown the campaign 4 times: the campaign's cap");
        assertEquals(Outcome.BELOW_QUALITY_FLOOR, r.outcome(2));
        assertEquals(Outcome.WON, r.outcome(3), "under both caps");
        assertEquals(1, r.winners());
        assertEquals(0.5, r.priceEcpm(0), EPS, "alone: it pays the reserve");
    }

    @Test
    void reserve_isTheSurfaces() {
        Campaign c = campaign(0, BidType.CPM, 3f);
        AuctionSettings settings = new AuctionSettings(
                java.util.List.of(1.0, 5.0, 1.0, 1.0),
                0,
                1,
                AuctionSettings.Diversity.ONE_PER_ADVERTISER,
                AuctionSettings.FrequencyCap.NONE,
                AuctionSettings.Billing.ACTION,
                AuctionSettings.Exploration.NONE);
        Auction auction = new Auction(settings, budget);
        float[] p = {0.01f};
        Bids feed = bids(new int[] {1}, c);
        Bids search = new Bids(1, feed.adIds(), feed.campaignIds(), feed.advertiserIds(), feed.bids(), feed.bidTypes());
        assertEquals(Outcome.WON, auction.run(feed, p, p, 1).outcome(0));
        assertEquals(1.0, auction.run(feed, p, p, 1).priceEcpm(0), EPS);
        assertEquals(Outcome.BELOW_RESERVE, auction.run(search, p, p, 1).outcome(0), "3 is under search's 5");
    }

    @Test
    void budgetLeft_capsTheBid_soTheNextChargeCannotOverspend() {
        // Budgets are 100; a CPC campaign with 0.30 left bids 0.30, not its 2.00.
        Campaign low = campaign(0, BidType.CPC, 2f);
        Campaign rival = campaign(1, BidType.CPC, 1f);
        budget.charge(low.id(), 99.70);
        float[] pCtr = {0.01f, 0.01f};
        AuctionResult r = new Auction(new AuctionSettings(0, 1), budget)
                .run(bids(new int[] {1, 2}, low, rival), pCtr, new float[2], 1);
        assertEquals(Outcome.WON, r.outcome(1), "1.00 x 1% outranks 0.30 x 1%");
        assertEquals(3.0, r.candidateEcpm(0), EPS);
        AuctionResult alone = new Auction(new AuctionSettings(0, 1), budget)
                .run(bids(new int[] {1}, low), new float[] {0.01f}, new float[1], 1);
        assertTrue(alone.priceBid(0) <= 0.30 + EPS, "never more than what is left: " + alone.priceBid(0));
        AuctionSettings perImpression = new AuctionSettings(
                java.util.Collections.nCopies(adsml.platform.domain.Vocab.SURFACES.length, 0.0),
                0,
                1,
                AuctionSettings.Diversity.ONE_PER_ADVERTISER,
                AuctionSettings.FrequencyCap.NONE,
                AuctionSettings.Billing.IMPRESSION,
                AuctionSettings.Exploration.NONE);
        AuctionResult byImpression =
                new Auction(perImpression, budget).run(bids(new int[] {1}, low), new float[] {0.01f}, new float[1], 1);
        assertEquals(20.0, byImpression.candidateEcpm(0), EPS, "an impression costs 0.02: 0.30 is left for 15 of them");
    }

    @Test
    void settings_reservesCapsAndFloorAreReadFromConfig() {
        AuctionSettings read = AuctionSettings.from(com.typesafe.config.ConfigFactory.parseString(
                        "adsml.platform.auction { reserve-ecpm.search = 0.7, quality-floor-pctr = 0.003,"
                                + " frequency-cap { campaign-per-day = 5, ad-per-day = 0 } }")
                .withFallback(com.typesafe.config.ConfigFactory.defaultReference()));
        assertEquals(0.7, read.reserveEcpm(1), EPS);
        assertEquals(0.05, read.reserveEcpm(0), EPS, "home_feed keeps the default");
        assertEquals(0.003, read.qualityFloor(), EPS);
        assertEquals(new AuctionSettings.FrequencyCap(5, 0), read.frequencyCap());
        com.typesafe.config.ConfigException e = assertThrows(
                com.typesafe.config.ConfigException.class,
                () -> AuctionSettings.from(com.typesafe.config.ConfigFactory.parseString(
                                "adsml.platform.auction.frequency-cap.ad-per-day = -1")
                        .withFallback(com.typesafe.config.ConfigFactory.defaultReference())));
        assertTrue(e.getMessage().contains("adsml.platform.auction.frequency-cap.ad-per-day"), e.getMessage());
        com.typesafe.config.ConfigException scalar = assertThrows(
                com.typesafe.config.ConfigException.class,
                () -> AuctionSettings.from(
                        com.typesafe.config.ConfigFactory.parseString("adsml.platform.auction.reserve-ecpm = 0.05")
                                .withFallback(com.typesafe.config.ConfigFactory.defaultReference())));
        assertTrue(
                scalar.getMessage().contains("adsml.platform.auction.reserve-ecpm: one reserve per surface"),
                "the old single reserve names the key and the new shape: " + scalar.getMessage());
    }

    @Test
    void winnersInFlight_reserveWhatIsLeft_untilTheirChargesCome() throws InterruptedException {
        // 100 budget, 99.99 spent: a CPM bid of 20 (0.02 an impression) bids what is left, 0.01.
        Campaign closing = campaign(0, BidType.CPM, 20f);
        budget.charge(closing.id(), 99.99);
        Auction auction = new Auction(new AuctionSettings(0, 1), budget);
        float[] p = {0.01f};
        AuctionResult first = auction.run(bids(new int[] {1}, closing), p, p, 1);
        assertEquals(Outcome.WON, first.outcome(0));
        assertEquals(10.0, first.candidateEcpm(0), EPS, "capped at what is left");
        assertEquals(
                Outcome.OUT_OF_BUDGET,
                auction.run(bids(new int[] {1}, closing), p, p, 1).outcome(0),
                "the first winner reserved what was left");
        budget.charge(closing.id(), 0.005); // the impression's price: it settles that much of the reservation
        assertEquals(
                Outcome.OUT_OF_BUDGET,
                auction.run(bids(new int[] {1}, closing), p, p, 1).outcome(0));
        Thread.sleep(2 * BudgetTracker.RESERVATION_NANOS / 1_000_000 + 100); // reservations last one to two of these
        AuctionResult again = auction.run(bids(new int[] {1}, closing), p, p, 1);
        assertEquals(Outcome.WON, again.outcome(0), "the rest of the reservation lapsed: 0.005 left");
        assertEquals(5.0, again.candidateEcpm(0), EPS);
    }

    @Test
    void adsOfOneCampaign_inOneResponse_shareItsCapAndItsBudget() {
        // Without diversity three ads of one campaign rank first; the user saw the campaign 3 times of 4 today.
        Campaign c = campaign(0, BidType.CPM, 30f);
        Campaign other = campaign(1, BidType.CPM, 5f);
        Bids plain = bids(new int[] {1, 2, 3, 4}, c, c, c, other);
        Bids bids = new Bids(
                0,
                plain.adIds(),
                plain.campaignIds(),
                plain.advertiserIds(),
                plain.bids(),
                plain.bidTypes(),
                new float[4],
                new float[] {3, 3, 3, 0});
        AuctionSettings settings = new AuctionSettings(
                java.util.Collections.nCopies(adsml.platform.domain.Vocab.SURFACES.length, 0.0),
                0,
                3,
                AuctionSettings.Diversity.NONE,
                new AuctionSettings.FrequencyCap(4, 0),
                AuctionSettings.Billing.IMPRESSION,
                AuctionSettings.Exploration.NONE);
        float[] p = {0.01f, 0.01f, 0.01f, 0.01f};
        AuctionResult r = new Auction(settings, budget).run(bids, p, p, 3);
        assertEquals(2, r.winners(), "one more impression of the campaign, then the other campaign");
        assertEquals(Outcome.WON, r.outcome(0));
        assertEquals(Outcome.FREQUENCY_CAPPED, r.outcome(1));
        assertEquals(Outcome.FREQUENCY_CAPPED, r.outcome(2));
        assertEquals(Outcome.WON, r.outcome(3));
        // 100 budget, 99.95 spent: room for one 0.03 impression, not two.
        budget.charge(c.id(), 99.95);
        Bids uncapped =
                new Bids(0, plain.adIds(), plain.campaignIds(), plain.advertiserIds(), plain.bids(), plain.bidTypes());
        AuctionResult spent = new Auction(settings, budget).run(uncapped, p, p, 3);
        assertEquals(Outcome.WON, spent.outcome(0));
        assertEquals(Outcome.OUT_OF_BUDGET, spent.outcome(1), "the first one's cost leaves too little");
    }

    private AuctionSettings exploring(double share) {
        return new AuctionSettings(
                java.util.Collections.nCopies(adsml.platform.domain.Vocab.SURFACES.length, 0.0),
                0,
                3,
                AuctionSettings.Diversity.ONE_PER_ADVERTISER,
                AuctionSettings.FrequencyCap.NONE,
                AuctionSettings.Billing.ACTION,
                new AuctionSettings.Exploration(share, 4, 1.0));
    }

    @Test
    void exploration_drawsFromThePool_withTheLoggedPropensities() {
        // Six CPM campaigns bidding 6..1: the pool is the best four, the slate two of them.
        Campaign[] campaigns = new Campaign[6];
        int[] adIds = new int[6];
        for (int i = 0; i < 6; i++) {
            // Budgets no run of this test can spend: live auctions reserve what their winners may cost.
            campaigns[i] = new Campaign(i, i, BidType.CPM, 6f - i, 1e9f, 0, Targeting.ANY);
            budget.register(campaigns[i]);
            adIds[i] = 100 + i;
        }
        Bids bids = bids(adIds, campaigns);
        float[] p = new float[6];
        java.util.Arrays.fill(p, 0.01f);
        double share = 0.4;
        Auction auction = new Auction(exploring(share), budget);
        double[][] drawn = PlackettLuce.marginals(new double[] {6 / 6.0, 5 / 6.0, 4 / 6.0, 3 / 6.0}, 2);
        int runs = 40_000;
        int[][] seen = new int[6][2];
        int explored = 0;
        for (int run = 0; run < runs; run++) {
            AuctionResult r = auction.run(bids, p, p, 2);
            assertEquals(2, r.winners());
            explored += r.explored() ? 1 : 0;
            for (int k = 0; k < 2; k++) {
                int c = r.candidateIndex(k);
                assertTrue(c < 4, "only the pool is drawn from, was candidate " + c);
                double expected = (c == k ? 1 - share : 0) + share * drawn[c][k];
                assertEquals(expected, r.propensity(k), 1e-9, "candidate " + c + " in slot " + k);
                assertEquals(Math.max(5.0 - c, 0.0), r.priceEcpm(k), EPS, "pays the eCPM ranked below it");
                seen[c][k]++;
            }
            if (!r.explored()) {
                assertEquals(0, r.candidateIndex(0));
                assertEquals(1, r.candidateIndex(1));
            }
        }
        assertEquals(share, (double) explored / runs, 0.015);
        for (int c = 0; c < 4; c++) {
            for (int k = 0; k < 2; k++) {
                double expected = (c == k ? 1 - share : 0) + share * drawn[c][k];
                assertEquals(
                        expected, (double) seen[c][k] / runs, 0.015, "how often candidate " + c + " won slot " + k);
            }
        }
    }

    @Test
    void exploration_neverTouchesAReplay_norAMarketplaceThatDoesNotExplore() {
        Campaign[] campaigns = {campaign(0, BidType.CPM, 3f), campaign(1, BidType.CPM, 2f), campaign(2, BidType.CPM, 1f)
        };
        Bids bids = bids(new int[] {1, 2, 3}, campaigns);
        float[] p = {0.01f, 0.01f, 0.01f};
        for (int run = 0; run < 200; run++) {
            AuctionResult replay = new Auction(exploring(1.0), budget).replay(bids, p, p, 2);
            assertFalse(replay.explored());
            assertEquals(0, replay.candidateIndex(0));
            assertEquals(1.0, replay.propensity(0), EPS);
            AuctionResult plain = new Auction(exploring(0), budget).run(bids, p, p, 2);
            assertFalse(plain.explored());
            assertEquals(1, plain.candidateIndex(1));
            assertEquals(1.0, plain.propensity(1), EPS);
        }
    }
}
