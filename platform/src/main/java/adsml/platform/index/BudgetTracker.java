package adsml.platform.index;

import adsml.platform.domain.Campaign;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Each campaign's spend for the current day against its daily budget, in whole micro-dollars.
 *
 * <p>Contract: a campaign is {@link #exhausted exhausted} once its spend today has reached its daily budget. The day is
 * the calendar day of the injected {@link Clock} in the clock's zone; the first call after midnight starts a new day
 * with every spend at zero (budgets are kept). Campaigns are known by id once {@link #setBudget} (or {@link #register})
 * has been called for them; asking about or charging an unknown campaign throws {@link IllegalArgumentException}. Ids
 * are array indexes, so they should be dense, as a world's are.
 *
 * <p>Thread-safe. {@link #exhausted} takes no lock, and neither does a {@link #charge} that leaves the campaign under
 * its budget: spends are {@link AtomicLongArray} counters, held in fixed-size chunks so that adding campaigns never
 * copies (and so never loses) a counter. Whether a campaign is known and exhausted is also kept as two bits per
 * campaign, so that the question retrieval and the auction ask of thousands of campaigns per request costs one load
 * from a small array, not a budget and a spend scattered over two large ones (1-2% of the server's CPU). Those bits
 * change under a lock, with the budget or spend that decides them: budget changes, growth, the day rollover and a
 * charge that reaches the budget take it. A charge that races the rollover at midnight may land on the day that just
 * ended; for pacing that is an acceptable error of one impression.
 *
 * <p>On a node of a cluster ({@link #leased}) the tracker also holds, per campaign, what the other nodes spent today as
 * last heard ({@code elsewhere}) and this node's cap: the most its own spend may reach before it hears from the cluster
 * again (its lease; see {@code adsml.actors.cluster.ClusterBudgets}). Spend read from a view is then the cluster's, and
 * a campaign is exhausted here when the cluster's spend reaches the budget or this node's own spend reaches its cap.
 * Until the first lease, every cap is 0: a node that has not heard what the others spent spends nothing. A tracker made
 * with the plain constructor has no caps and nothing elsewhere.
 */
public final class BudgetTracker {
    private static final int CHUNK_BITS = 12;
    private static final int CHUNK = 1 << CHUNK_BITS;
    private static final int MASK = CHUNK - 1;
    private static final double MICROS = 1_000_000.0;
    /** Per campaign, two bits of a {@code long}: the campaign is known, and it is exhausted. */
    private static final int FLAG_BITS_LOG = 1;

    private static final int PER_WORD_LOG = 6 - FLAG_BITS_LOG;
    private static final long KNOWN = 1, EXHAUSTED = 2;

    /**
     * A reservation for a winner in flight lasts from one to two of these: longer than a response and its events take,
     * short enough that winners whose events never come (their users left, or nobody clicked) hold a budget for a
     * moment only. Reservations are kept in two buckets per campaign, this long each, so that a campaign winning all
     * the time lets go of what its charges did not settle.
     */
    public static final long RESERVATION_NANOS = 1_000_000_000L;

    /** Reservations change under one of these, picked by campaign id; reads take none. */
    private static final Object[] RESERVATION_LOCKS = new Object[64];

    static {
        for (int i = 0; i < RESERVATION_LOCKS.length; i++) {
            RESERVATION_LOCKS[i] = new Object();
        }
    }

    /**
     * One day's view: the instants it starts and ends, spend per campaign, budgets per campaign (-1 for an unknown id)
     * and the known and exhausted flags. Budget chunks are shared by every day; spend and flag chunks are fresh each
     * day. The directories have the same length, and readers take one volatile read of the whole view, so they never
     * see a budget without its spend counter.
     */
    private static final class Day {
        final long startMillis;
        final long endMillis;
        final AtomicLongArray[] spent;
        final AtomicLongArray[] budgets;
        final AtomicLongArray[] flags;
        /**
         * Per campaign, micro-dollars that winners in flight may still be charged: reserved in the current bucket, in
         * the one before it, and when (system nanos) the current one started. Shared by every day.
         */
        final AtomicLongArray[] reservedNow;

        final AtomicLongArray[] reservedBefore;
        final AtomicLongArray[] bucketAt;
        /** Per campaign, today: what other nodes spent as last heard, and this node's cap on its own spend. */
        final AtomicLongArray[] elsewhere;

        final AtomicLongArray[] caps;

        Day(
                long startMillis,
                long endMillis,
                AtomicLongArray[] spent,
                AtomicLongArray[] budgets,
                AtomicLongArray[] flags,
                AtomicLongArray[] reservedNow,
                AtomicLongArray[] reservedBefore,
                AtomicLongArray[] bucketAt,
                AtomicLongArray[] elsewhere,
                AtomicLongArray[] caps) {
            this.elsewhere = elsewhere;
            this.caps = caps;
            this.startMillis = startMillis;
            this.endMillis = endMillis;
            this.spent = spent;
            this.budgets = budgets;
            this.flags = flags;
            this.reservedNow = reservedNow;
            this.reservedBefore = reservedBefore;
            this.bucketAt = bucketAt;
        }
    }

    private final Clock clock;
    private final ZoneId zone;
    /** A cluster node's tracker: caps start at 0 (see the class comment); else there are none. */
    private final boolean leased;

    private final Object lock = new Object();
    private volatile Day day;

    /** A tracker whose days are the calendar days of {@code clock} in {@code clock.getZone()}. */
    public BudgetTracker(Clock clock) {
        this(clock, false);
    }

    /**
     * A tracker for a node of a cluster: spend elsewhere and a cap per campaign, every cap 0 until {@link #lease} sets
     * it (see the class comment).
     */
    public static BudgetTracker leased(Clock clock) {
        return new BudgetTracker(clock, true);
    }

    private BudgetTracker(Clock clock, boolean leased) {
        this.leased = leased;
        if (clock == null) {
            throw new IllegalArgumentException("clock must not be null");
        }
        this.clock = clock;
        this.zone = clock.getZone();
        long now = clock.millis();
        this.day = new Day(
                startOfDay(now),
                endOfDay(now),
                new AtomicLongArray[0],
                new AtomicLongArray[0],
                new AtomicLongArray[0],
                new AtomicLongArray[0],
                new AtomicLongArray[0],
                new AtomicLongArray[0],
                new AtomicLongArray[0],
                new AtomicLongArray[0]);
    }

    /** Sets the campaign's daily budget from the campaign (see {@link #setBudget}). */
    public void register(Campaign campaign) {
        setBudget(campaign.id(), campaign.dailyBudget());
    }

    /**
     * Sets (or changes) the daily budget of a campaign, in dollars; today's spend is kept, so a lowered budget may
     * exhaust the campaign at once.
     *
     * @throws IllegalArgumentException when the id is negative or the budget is negative or not finite
     */
    public void setBudget(int campaignId, double dailyBudget) {
        if (campaignId < 0) {
            throw new IllegalArgumentException("campaignId must be >= 0, was " + campaignId);
        }
        if (!(dailyBudget >= 0) || Double.isInfinite(dailyBudget)) {
            throw new IllegalArgumentException("dailyBudget must be a finite number >= 0, was " + dailyBudget);
        }
        synchronized (lock) {
            int chunk = campaignId >>> CHUNK_BITS;
            Day d = day;
            if (chunk >= d.budgets.length) {
                // Growth appends chunks and shares the existing ones, so no counter is copied or lost.
                AtomicLongArray[] budgets = Arrays.copyOf(d.budgets, chunk + 1);
                AtomicLongArray[] spent = Arrays.copyOf(d.spent, chunk + 1);
                AtomicLongArray[] flags = Arrays.copyOf(d.flags, chunk + 1);
                AtomicLongArray[] reservedNow = Arrays.copyOf(d.reservedNow, chunk + 1);
                AtomicLongArray[] reservedBefore = Arrays.copyOf(d.reservedBefore, chunk + 1);
                AtomicLongArray[] bucketAt = Arrays.copyOf(d.bucketAt, chunk + 1);
                AtomicLongArray[] elsewhere = Arrays.copyOf(d.elsewhere, chunk + 1);
                AtomicLongArray[] caps = Arrays.copyOf(d.caps, chunk + 1);
                for (int i = d.budgets.length; i <= chunk; i++) {
                    elsewhere[i] = new AtomicLongArray(CHUNK);
                    caps[i] = capChunk();
                    budgets[i] = unknownChunk();
                    spent[i] = new AtomicLongArray(CHUNK);
                    flags[i] = new AtomicLongArray(CHUNK >>> PER_WORD_LOG);
                    reservedNow[i] = new AtomicLongArray(CHUNK);
                    reservedBefore[i] = new AtomicLongArray(CHUNK);
                    bucketAt[i] = new AtomicLongArray(CHUNK);
                }
                d = new Day(
                        d.startMillis,
                        d.endMillis,
                        spent,
                        budgets,
                        flags,
                        reservedNow,
                        reservedBefore,
                        bucketAt,
                        elsewhere,
                        caps);
                day = d;
            }
            d.budgets[chunk].set(campaignId & MASK, Math.round(dailyBudget * MICROS));
            refreshFlags(d, campaignId);
        }
    }

    /**
     * True when the campaign's spend today has reached its daily budget.
     *
     * @throws IllegalArgumentException when the campaign is unknown
     */
    public boolean exhausted(int campaignId) {
        return view().exhausted(campaignId);
    }

    /**
     * Today's spends for many questions in a row: one clock read now, then one load per campaign. A view answers for
     * the day it was taken in, so take a fresh one per request.
     */
    public DayView view() {
        return new DayView(today());
    }

    /** See {@link #view}. */
    public static final class DayView {
        private final Day day;

        private DayView(Day day) {
            this.day = day;
        }

        /**
         * As {@link BudgetTracker#exhausted}, for the view's day.
         *
         * @throws IllegalArgumentException when the campaign is unknown
         */
        public boolean exhausted(int campaignId) {
            AtomicLongArray[] f = day.flags;
            int chunk = campaignId >>> CHUNK_BITS;
            long flags = campaignId >= 0 && chunk < f.length
                    ? f[chunk].get((campaignId & MASK) >>> PER_WORD_LOG) >>> shift(campaignId)
                    : 0;
            if ((flags & KNOWN) == 0) {
                throw new IllegalArgumentException("unknown campaign " + campaignId + ": no budget was set");
            }
            return (flags & EXHAUSTED) != 0;
        }

        /** Whether a budget was set for the campaign. */
        public boolean known(int campaignId) {
            AtomicLongArray[] b = day.budgets;
            int chunk = campaignId >>> CHUNK_BITS;
            return campaignId >= 0 && chunk < b.length && b[chunk].get(campaignId & MASK) >= 0;
        }

        /** One past the highest campaign id a budget may have been set for: where a walk over campaigns stops. */
        public int idLimit() {
            return day.budgets.length * CHUNK;
        }

        /**
         * The campaign's daily budget, in dollars.
         *
         * @throws IllegalArgumentException when the campaign is unknown
         */
        public double budget(int campaignId) {
            return budgetMicros(day, campaignId) / MICROS;
        }

        /**
         * The campaign's spend on the view's day, in dollars: this node's and, on a cluster's node, the others' as last
         * heard.
         *
         * @throws IllegalArgumentException when the campaign is unknown
         */
        public double spent(int campaignId) {
            budgetMicros(day, campaignId);
            int chunk = campaignId >>> CHUNK_BITS, i = campaignId & MASK;
            return (day.spent[chunk].get(i) + day.elsewhere[chunk].get(i)) / MICROS;
        }

        /** This node's own spend on the view's day, in micro-dollars; 0 for an unknown campaign. */
        public long ownMicros(int campaignId) {
            return known(campaignId) ? day.spent[campaignId >>> CHUNK_BITS].get(campaignId & MASK) : 0;
        }

        /** This node's cap on its own spend on the view's day, in micro-dollars ({@link Long#MAX_VALUE}: none). */
        public long capMicros(int campaignId) {
            return known(campaignId) ? day.caps[campaignId >>> CHUNK_BITS].get(campaignId & MASK) : 0;
        }

        /** The campaign's daily budget in micro-dollars; -1 for an unknown campaign. */
        public long dailyBudgetMicros(int campaignId) {
            return known(campaignId) ? day.budgets[campaignId >>> CHUNK_BITS].get(campaignId & MASK) : -1;
        }

        /**
         * What is left of the campaign's budget on the view's day, in dollars, less what winners in flight have
         * reserved ({@link #reserve}), never below 0: the most its next charge may be without overspending.
         *
         * @param nowNanos the system's nanos now, which tells lapsed reservations
         * @throws IllegalArgumentException when the campaign is unknown
         */
        public double remaining(int campaignId, long nowNanos) {
            int chunk = campaignId >>> CHUNK_BITS, i = campaignId & MASK;
            long own = day.spent[chunk].get(i);
            long left = Math.min(
                            budgetMicros(day, campaignId) - own - day.elsewhere[chunk].get(i),
                            day.caps[chunk].get(i) - own)
                    - reserved(day, chunk, i, nowNanos);
            return Math.max(0, left) / MICROS;
        }

        /**
         * Reserves {@code dollars} of the campaign's budget for a winner whose charge has not come yet, until charges
         * settle it or one to two {@link #RESERVATION_NANOS} pass: so that winners in flight together do not each spend
         * what is left (in expectation: two auctions that read what is left at the same moment may both bid it).
         */
        public void reserve(int campaignId, double dollars, long nowNanos) {
            budgetMicros(day, campaignId);
            int chunk = campaignId >>> CHUNK_BITS, i = campaignId & MASK;
            synchronized (RESERVATION_LOCKS[campaignId & (RESERVATION_LOCKS.length - 1)]) {
                rotate(day, chunk, i, nowNanos);
                day.reservedNow[chunk].addAndGet(i, Math.round(dollars * MICROS));
            }
        }

        /** The instant the view's day started, in milliseconds since 1970. */
        public long startMillis() {
            return day.startMillis;
        }
    }

    /**
     * Adds {@code amount} dollars to the campaign's spend today (rounded to micro-dollars). A charge may take the spend
     * past the budget: the impression was already served. The spend stops at about 9.2e12 dollars instead of wrapping.
     *
     * @throws IllegalArgumentException when the campaign is unknown or the amount is negative or not finite
     */
    public void charge(int campaignId, double amount) {
        if (!(amount >= 0) || Double.isInfinite(amount)) {
            throw new IllegalArgumentException("amount must be a finite number >= 0, was " + amount);
        }
        Day d = today();
        budgetMicros(d, campaignId);
        long spent = addSaturating(d.spent[campaignId >>> CHUNK_BITS], campaignId & MASK, Math.round(amount * MICROS));
        settle(d, campaignId, Math.round(amount * MICROS), System.nanoTime());
        // Read after the add: a budget change that missed this charge's spend is seen here.
        int chunk = campaignId >>> CHUNK_BITS, i = campaignId & MASK;
        if (spent >= budgetMicros(d, campaignId) - d.elsewhere[chunk].get(i) || spent >= d.caps[chunk].get(i)) {
            synchronized (lock) {
                refreshFlags(d, campaignId);
            }
        }
    }

    /**
     * The campaign's spend today, in dollars.
     *
     * @throws IllegalArgumentException when the campaign is unknown
     */
    public double spentToday(int campaignId) {
        return view().spent(campaignId);
    }

    /**
     * A cluster's word on the campaign for the day that started at {@code dayStartMs}: what the other nodes spent and
     * this node's new cap. Ignored for another day than the tracker's current one, or an unknown campaign.
     *
     * @return whether it was taken
     */
    public boolean lease(int campaignId, long dayStartMs, long elsewhereMicros, long capMicros) {
        if (elsewhereMicros < 0 || capMicros < 0) {
            throw new IllegalArgumentException(
                    "spend elsewhere and cap must be >= 0, were " + elsewhereMicros + ", " + capMicros);
        }
        Day d = today();
        if (d.startMillis != dayStartMs || !view().known(campaignId)) {
            return false;
        }
        int chunk = campaignId >>> CHUNK_BITS, i = campaignId & MASK;
        synchronized (lock) {
            d.elsewhere[chunk].set(i, elsewhereMicros);
            d.caps[chunk].set(i, capMicros);
            refreshFlags(d, campaignId);
        }
        return true;
    }

    /**
     * Whether {@code epochMillis} falls in the tracker's current day (the day {@link #charge} charges now): how spend
     * read back from a record of charges, such as the event log at start-up, is told apart from earlier days' spend.
     */
    public boolean isToday(long epochMillis) {
        Day d = today();
        return epochMillis >= d.startMillis && epochMillis < d.endMillis;
    }

    /**
     * The campaign's daily budget, in dollars.
     *
     * @throws IllegalArgumentException when the campaign is unknown
     */
    public double dailyBudget(int campaignId) {
        return budgetMicros(day, campaignId) / MICROS;
    }

    /** A charge settles as much of the campaign's reservations, the older bucket first: what they were for has come. */
    private static void settle(Day d, int campaignId, long micros, long nowNanos) {
        int chunk = campaignId >>> CHUNK_BITS, i = campaignId & MASK;
        synchronized (RESERVATION_LOCKS[campaignId & (RESERVATION_LOCKS.length - 1)]) {
            rotate(d, chunk, i, nowNanos);
            long before = d.reservedBefore[chunk].get(i);
            long fromBefore = Math.min(before, micros);
            d.reservedBefore[chunk].set(i, before - fromBefore);
            long now = d.reservedNow[chunk].get(i);
            d.reservedNow[chunk].set(i, Math.max(0, now - (micros - fromBefore)));
        }
    }

    /** Moves the current bucket to the one before once it is a bucket old; drops both once two. Under the lock. */
    private static void rotate(Day d, int chunk, int i, long nowNanos) {
        long at = d.bucketAt[chunk].get(i);
        long age = nowNanos - at;
        if (at == 0 || age >= 2 * RESERVATION_NANOS) { // 0: never reserved (system nanos may be negative)
            d.reservedBefore[chunk].set(i, 0);
            d.reservedNow[chunk].set(i, 0);
            d.bucketAt[chunk].set(i, nowNanos);
        } else if (age >= RESERVATION_NANOS) {
            d.reservedBefore[chunk].set(i, d.reservedNow[chunk].get(i));
            d.reservedNow[chunk].set(i, 0);
            d.bucketAt[chunk].set(i, nowNanos);
        }
    }

    /** The campaign's live reservations as of {@code nowNanos}, read without the lock. */
    private static long reserved(Day d, int chunk, int i, long nowNanos) {
        long at = d.bucketAt[chunk].get(i);
        long age = nowNanos - at;
        if (at == 0 || age >= 2 * RESERVATION_NANOS) {
            return 0;
        }
        long now = d.reservedNow[chunk].get(i);
        return age >= RESERVATION_NANOS ? now : now + d.reservedBefore[chunk].get(i);
    }

    /**
     * Adds and returns the sum, held at {@link Long#MAX_VALUE} rather than wrapping: a wrapped spend would read as a
     * large negative one, and an exhausted campaign would spend again.
     */
    private static long addSaturating(AtomicLongArray counters, int i, long micros) {
        while (true) {
            long before = counters.get(i);
            long after = before + micros;
            if (after < before) {
                after = Long.MAX_VALUE;
            }
            if (counters.compareAndSet(i, before, after)) {
                return after;
            }
        }
    }

    private static long budgetMicros(Day d, int campaignId) {
        AtomicLongArray[] b = d.budgets;
        int chunk = campaignId >>> CHUNK_BITS;
        long budget = campaignId >= 0 && chunk < b.length ? b[chunk].get(campaignId & MASK) : -1;
        if (budget < 0) {
            throw new IllegalArgumentException("unknown campaign " + campaignId + ": no budget was set");
        }
        return budget;
    }

    /** The current day, starting a new one first when the clock has passed the end of the last. */
    private Day today() {
        Day d = day;
        long now = clock.millis();
        if (now < d.endMillis) {
            return d;
        }
        synchronized (lock) {
            d = day;
            if (now >= d.endMillis) {
                AtomicLongArray[] spent = new AtomicLongArray[d.spent.length];
                AtomicLongArray[] flags = new AtomicLongArray[d.spent.length];
                AtomicLongArray[] elsewhere = new AtomicLongArray[d.spent.length];
                AtomicLongArray[] caps = new AtomicLongArray[d.spent.length];
                for (int i = 0; i < spent.length; i++) {
                    spent[i] = new AtomicLongArray(CHUNK);
                    flags[i] = new AtomicLongArray(CHUNK >>> PER_WORD_LOG);
                    elsewhere[i] = new AtomicLongArray(CHUNK);
                    caps[i] = capChunk();
                }
                Day next = new Day(
                        startOfDay(now),
                        endOfDay(now),
                        spent,
                        d.budgets,
                        flags,
                        d.reservedNow,
                        d.reservedBefore,
                        d.bucketAt,
                        elsewhere,
                        caps);
                for (int id = 0; id < spent.length * CHUNK; id++) {
                    // Nothing spent yet: only a budget of 0 is exhausted, or on a cluster's node every campaign until
                    // its first lease of the day.
                    refreshFlags(next, id);
                }
                d = next;
                day = d;
            }
            return d;
        }
    }

    /**
     * Sets the campaign's flags from its budget and today's spend. Callers hold the lock, so flag words are never
     * written by two threads at once.
     */
    private static void refreshFlags(Day d, int campaignId) {
        int chunk = campaignId >>> CHUNK_BITS;
        int i = campaignId & MASK;
        long budget = d.budgets[chunk].get(i);
        long own = d.spent[chunk].get(i);
        boolean exhausted = own >= budget - d.elsewhere[chunk].get(i) || own >= d.caps[chunk].get(i);
        long flags = budget < 0 ? 0 : KNOWN | (exhausted ? EXHAUSTED : 0);
        AtomicLongArray words = d.flags[chunk];
        int word = (campaignId & MASK) >>> PER_WORD_LOG;
        int shift = shift(campaignId);
        words.set(word, (words.get(word) & ~(3L << shift)) | (flags << shift));
    }

    private static int shift(int campaignId) {
        return (campaignId & ((1 << PER_WORD_LOG) - 1)) << FLAG_BITS_LOG;
    }

    private long startOfDay(long millis) {
        return LocalDate.ofInstant(Instant.ofEpochMilli(millis), zone)
                .atStartOfDay(zone)
                .toInstant()
                .toEpochMilli();
    }

    private long endOfDay(long millis) {
        LocalDate date = LocalDate.ofInstant(Instant.ofEpochMilli(millis), zone);
        return date.plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli();
    }

    /** Caps of a new chunk or day: none, or 0 until the first lease on a cluster's node. */
    private AtomicLongArray capChunk() {
        AtomicLongArray chunk = new AtomicLongArray(CHUNK);
        if (!leased) {
            for (int i = 0; i < CHUNK; i++) {
                chunk.set(i, Long.MAX_VALUE);
            }
        }
        return chunk;
    }

    private static AtomicLongArray unknownChunk() {
        AtomicLongArray chunk = new AtomicLongArray(CHUNK);
        for (int i = 0; i < CHUNK; i++) {
            chunk.set(i, -1);
        }
        return chunk;
    }
}
