//! String similarity for the fuzzy elements (name, birthplace, address).

/// Upper-cases, treats `.`, `,`, `;` and `:` as spaces and collapses runs of
/// white space, so that `"jl.  mawar,no 5"` and `"JL. MAWAR NO 5"` agree.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(|c: char| c.is_whitespace() || matches!(c, '.' | ',' | ';' | ':')) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_uppercase));
    }
    out
}

/// Levenshtein distance over Unicode scalar values.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.is_empty() {
        return b.len();
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Similarity 0–100 of two values after [`normalize`]: the normalised
/// Levenshtein similarity, rounded down, so only equal texts score 100.
pub fn similarity(a: &str, b: &str) -> u8 {
    let a = normalize(a);
    let b = normalize(b);
    let len = a.chars().count().max(b.chars().count());
    if len == 0 {
        return 100;
    }
    let d = levenshtein(&a, &b).min(len);
    ((len - d) * 100 / len) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_space_and_punctuation() {
        assert_eq!(normalize("  jl.  mawar,no 5 "), "JL MAWAR NO 5");
        assert_eq!(similarity("Jl. Mawar No. 5", "JL MAWAR NO 5"), 100);
    }

    #[test]
    fn levenshtein_basics() {
        assert_eq!(levenshtein("", "ABC"), 3);
        assert_eq!(levenshtein("KITTEN", "SITTING"), 3);
        assert_eq!(levenshtein("SAME", "SAME"), 0);
    }

    #[test]
    fn one_typo_is_close_but_not_100() {
        let s = similarity("BUDI SANTOSO", "BUDI SANTOSA");
        assert!((90..100).contains(&s), "{s}");
        assert!(similarity("BUDI SANTOSO", "SITI AMINAH") < 50);
        // Rounding down: a single edit in a very long text is still < 100.
        let long = "A".repeat(300);
        let mut other = long.clone();
        other.replace_range(0..1, "B");
        assert_eq!(similarity(&long, &other), 99);
    }
}
