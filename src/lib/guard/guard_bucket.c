/*
 * Token buckets in millionths of a token, so that a rate of r tokens per
 * second adds exactly r units per microsecond and no rounding ever hands
 * out a token early. A bucket only moves forward in time: a time earlier
 * than its latest adds nothing and does not move its clock back, so a
 * clock that jumps back and forth cannot mint tokens.
 */
#include "guard/guard_int.h"

/* The tokens the bucket would hold at now_us, without changing it. */
static uint64_t
level_at(const struct guard_bucket *b, uint64_t rate, uint64_t burst,
    uint64_t now_us)
{
	uint64_t cap = burst * GUARD_TOKEN, elapsed;

	if (b->tokens >= cap)
		return cap;
	if (now_us <= b->last_us)
		return b->tokens;
	elapsed = now_us - b->last_us;
	/* Bounded first: elapsed * rate must not wrap. */
	if (elapsed >= (cap - b->tokens) / rate + 1)
		return cap;
	return b->tokens + elapsed * rate;
}

void
guard_bucket_fill(struct guard_bucket *b, uint64_t rate, uint64_t burst,
    uint64_t now_us)
{
	b->tokens = level_at(b, rate, burst, now_us);
	if (now_us > b->last_us)
		b->last_us = now_us;
}

int
guard_bucket_full(const struct guard_bucket *b, uint64_t rate,
    uint64_t burst, uint64_t now_us)
{
	return level_at(b, rate, burst, now_us) >= burst * GUARD_TOKEN;
}

/*
 * Whole seconds until the bucket (filled to its latest time) holds one
 * token, rounded up and at least 1: a client that waits that long is
 * served.
 */
uint32_t
guard_bucket_wait(const struct guard_bucket *b, uint64_t rate)
{
	uint64_t missing, wait_us, seconds;

	if (b->tokens >= GUARD_TOKEN)
		return 1;
	missing = GUARD_TOKEN - b->tokens;
	wait_us = (missing + rate - 1) / rate;
	seconds = (wait_us + 999999) / 1000000;
	if (seconds < 1)
		seconds = 1;
	return seconds > UINT32_MAX ? UINT32_MAX : (uint32_t)seconds;
}

void
medsec_guard_bucket_init(struct medsec_guard_bucket *b, uint32_t burst,
    uint64_t now_us)
{
	b->tokens = (uint64_t)burst * GUARD_TOKEN;
	b->last_us = now_us;
}

int
medsec_guard_bucket_take(struct medsec_guard_bucket *b, uint32_t rate,
    uint32_t burst, uint64_t now_us)
{
	struct guard_bucket g = { b->tokens, b->last_us };

	if (rate == 0 || burst == 0)
		return 0;
	guard_bucket_fill(&g, rate, burst, now_us);
	b->last_us = g.last_us;
	if (g.tokens < GUARD_TOKEN) {
		b->tokens = g.tokens;
		return 0;
	}
	b->tokens = g.tokens - GUARD_TOKEN;
	return 1;
}
