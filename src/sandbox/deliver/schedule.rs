//! The retry policy (linq-api.md §8.7), pure.
//!
//! Attempt 1 goes out at once. A 5xx, a 429, a timeout or a connection error schedules a
//! retry after `1.5 s × 2^(n−1)` for retry n (1.5 s, 3 s, 6 s, … 12.8 min), each delay
//! jittered by ±20 %: ten retries, eleven attempts, ≈ 25.6 min from the first to the last
//! (the guide's "up to 10 retries over roughly 25 minutes"). `--retry-scale F` multiplies
//! every delay by F. Any other status (3xx, which is not followed, and 4xx) drops the
//! delivery after that attempt.

use std::time::Duration;

/// Retries after the first attempt.
pub(crate) const MAX_RETRIES: u32 = 10;
/// The delay before the first retry, before jitter and scale.
const FIRST_DELAY_MS: f64 = 1_500.0;
/// Each delay is multiplied by a factor in `[1 − JITTER, 1 + JITTER)`.
const JITTER: f64 = 0.2;

/// What an attempt's answer means for the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Delivered,
    /// Worth another attempt, if any are left.
    Retry,
    /// Retrying would not help (the receiver refused it).
    Drop,
}

/// `status`: the HTTP status, or `None` when no answer came (timeout, connection error).
pub(crate) fn classify(status: Option<u16>) -> Verdict {
    match status {
        None => Verdict::Retry,
        Some(200..=299) => Verdict::Delivered,
        Some(429 | 500..=599) => Verdict::Retry,
        Some(_) => Verdict::Drop,
    }
}

/// The wait before another attempt after `attempts_made` attempts, or `None` when the
/// retries are used up. `unit` is a random number in `[0, 1)` (the jitter); `scale` is
/// `--retry-scale` (finite, ≥ 0).
pub(crate) fn retry_delay(attempts_made: u32, scale: f64, unit: f64) -> Option<Duration> {
    if attempts_made == 0 || attempts_made > MAX_RETRIES {
        return None;
    }
    let base = FIRST_DELAY_MS * f64::from(1u32 << (attempts_made - 1));
    let jitter = 1.0 - JITTER + 2.0 * JITTER * unit.clamp(0.0, 1.0);
    let ms = base * jitter * scale;
    // A scale is bounded by the option's parser; clamp anyway so no float reaches
    // `Duration` as NaN or infinity.
    Some(Duration::from_millis(ms.clamp(0.0, 1e12) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_classified_like_linq() {
        assert_eq!(classify(Some(200)), Verdict::Delivered);
        assert_eq!(classify(Some(204)), Verdict::Delivered);
        assert_eq!(classify(Some(500)), Verdict::Retry);
        assert_eq!(classify(Some(503)), Verdict::Retry);
        assert_eq!(classify(Some(429)), Verdict::Retry);
        assert_eq!(classify(None), Verdict::Retry);
        assert_eq!(classify(Some(400)), Verdict::Drop);
        assert_eq!(classify(Some(410)), Verdict::Drop);
        assert_eq!(classify(Some(301)), Verdict::Drop);
    }

    #[test]
    fn ten_retries_over_about_25_minutes() {
        let total: Duration = (1..=MAX_RETRIES)
            .map(|n| retry_delay(n, 1.0, 0.5).expect("retry"))
            .sum();
        assert_eq!(total, Duration::from_millis(1_534_500));
        assert_eq!(retry_delay(MAX_RETRIES + 1, 1.0, 0.5), None);
        assert_eq!(retry_delay(1, 1.0, 0.5), Some(Duration::from_millis(1_500)));
        assert_eq!(retry_delay(2, 1.0, 0.5), Some(Duration::from_millis(3_000)));
    }

    #[test]
    fn jitter_and_scale_bound_every_delay() {
        for n in 1..=MAX_RETRIES {
            let plain = retry_delay(n, 1.0, 0.5).expect("retry");
            let low = retry_delay(n, 1.0, 0.0).expect("retry");
            let high = retry_delay(n, 1.0, 0.999_999).expect("retry");
            assert!(low >= plain.mul_f64(0.79) && high <= plain.mul_f64(1.21));
            let scaled = retry_delay(n, 0.01, 0.5).expect("retry");
            assert!(scaled <= plain / 99 && scaled >= plain / 101, "{n}");
            assert_eq!(retry_delay(n, 0.0, 0.5), Some(Duration::ZERO));
        }
    }
}
