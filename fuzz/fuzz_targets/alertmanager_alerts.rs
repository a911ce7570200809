//! `sources::alertmanager`: alert lists, silence lists, one silence and a created silence's id,
//! of any status (a byte in front picks the parser). Parsed alerts and silences then go through
//! `dedupe` (one alert per fingerprint), `identifying_matchers` (an alert matches its own) and
//! `matches`. Error text carries no terminal controls.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oncall::sources::alertmanager::{
    Labels, dedupe, identifying_matchers, matches, parse_alerts, parse_silence, parse_silence_id,
    parse_silences,
};
use oncall_fuzz::{assert_clean_error, http_answer};
use std::collections::BTreeSet;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Some((status, content_type, body)) = http_answer(rest) else {
        return;
    };
    match which % 4 {
        0 => match parse_alerts(status, content_type, body) {
            Ok(alerts) => {
                for a in &alerts {
                    let m = identifying_matchers(&a.labels);
                    assert!(matches(&m, &a.labels), "an alert matches its own matchers");
                }
                let fingerprints: BTreeSet<String> =
                    alerts.iter().map(|a| a.fingerprint.clone()).collect();
                let kept = dedupe(alerts);
                assert_eq!(kept.len(), fingerprints.len(), "one alert per fingerprint");
            }
            Err(e) => assert_clean_error(&e),
        },
        1 | 2 => {
            let silences = if which % 4 == 1 {
                parse_silences(status, content_type, body)
            } else {
                parse_silence(status, content_type, body).map(|s| vec![s])
            };
            match silences {
                Ok(silences) => {
                    for s in &silences {
                        let labels: Labels = s
                            .matchers
                            .iter()
                            .map(|m| (m.name.clone(), m.value.clone()))
                            .collect();
                        let _ = matches(&s.matchers, &labels);
                    }
                }
                Err(e) => assert_clean_error(&e),
            }
        }
        _ => {
            if let Err(e) = parse_silence_id(status, content_type, body) {
                assert_clean_error(&e);
            }
        }
    }
});
