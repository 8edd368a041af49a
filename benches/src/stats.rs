//! Robust statistics for paired timings: the median and a confidence interval of it.

/// The median of `v` (`NaN` when empty); the mean of the two middle values for an even count.
pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// A 95% confidence interval of the median of the distribution `v` was drawn from, assuming
/// nothing about that distribution: the number of values below the true median is
/// Binomial(n, ½), so the values of ranks ⌊n/2 − 0.98√n⌋ and ⌈1 + n/2 + 0.98√n⌉ (counted from
/// 1; normal approximation) bracket it with about 95% probability. `None` below 6 values, where
/// even (min, max) covers less than that.
pub fn median_ci(v: &[f64]) -> Option<(f64, f64)> {
    let n = v.len();
    if n < 6 {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let (half, spread) = (n as f64 / 2.0, 0.98 * (n as f64).sqrt());
    // Ranks from 1, clamped to the sample.
    let low = ((half - spread).floor() as usize).max(1);
    let high = ((1.0 + half + spread).ceil() as usize).min(n);
    Some((s[low - 1], s[high - 1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn interval_ranks_are_the_textbook_ones() {
        // n = 100: ranks 40 and 61 (Conover, Practical Nonparametric Statistics, ch. 3.2).
        let v: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(median_ci(&v), Some((40.0, 61.0)));
        // n = 6: the whole sample; n = 5: none.
        let six = [6.0, 2.0, 5.0, 1.0, 4.0, 3.0];
        assert_eq!(median_ci(&six), Some((1.0, 6.0)));
        assert_eq!(median_ci(&six[..5]), None);
    }

    /// Samples of a skewed distribution with a known median (exponential: ln 2) from a fixed
    /// generator: the interval must contain the true median as often as the binomial law says
    /// for its ranks (exact coverage, from the binomial sums: n = 12, ranks 2 and 11: 99.37%;
    /// n = 50, ranks 18 and 33: 96.72%; n = 200, ranks 86 and 115: 96.00%), within what 2,000
    /// trials can tell (±1.5 points).
    #[test]
    fn interval_covers_the_true_median_about_95_percent_of_the_time() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut uniform = || {
            // xorshift64*, top 53 bits.
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let x = state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
            (x as f64 + 0.5) / (1u64 << 53) as f64
        };
        let truth = std::f64::consts::LN_2;
        for (n, exact) in [(12, 0.9937), (50, 0.9672), (200, 0.96)] {
            let trials = 2000;
            let covered = (0..trials)
                .filter(|_| {
                    let v: Vec<f64> = (0..n).map(|_| -uniform().ln()).collect();
                    let (low, high) = median_ci(&v).unwrap();
                    low <= truth && truth <= high
                })
                .count();
            let rate = covered as f64 / f64::from(trials);
            assert!(
                (rate - exact).abs() < 0.015,
                "n = {n}: coverage {rate}, expected {exact}"
            );
        }
    }
}
