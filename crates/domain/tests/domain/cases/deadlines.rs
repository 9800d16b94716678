//! The pack's deadlines in calendar and business days, and the calendar's order and flags.

use super::*;

fn calendar_days(days: u32) -> Deadline {
    Deadline {
        days: Days::new(days),
        count: DayCount::Calendar,
    }
}

fn business_days(days: u32) -> Deadline {
    Deadline {
        days: Days::new(days),
        count: DayCount::Business,
    }
}

#[test]
fn calendar_days_cross_month_and_year_ends_and_ignore_weekends() {
    let none = Holidays::none();
    assert_eq!(
        due_date(date(2026, 1, 20), calendar_days(15), &none),
        Ok(date(2026, 2, 4))
    );
    assert_eq!(
        due_date(date(2026, 12, 20), calendar_days(15), &none),
        Ok(date(2027, 1, 4))
    );
    // Leap year: 2028-02-20 + 10 = 2028-03-01.
    assert_eq!(
        due_date(date(2028, 2, 20), calendar_days(10), &none),
        Ok(date(2028, 3, 1))
    );
    // Lands on a Saturday and stays there.
    assert_eq!(
        due_date(date(2026, 11, 6), calendar_days(15), &none),
        Ok(date(2026, 11, 21))
    );
}

#[test]
fn business_days_skip_weekends_across_month_ends() {
    let none = Holidays::none();
    // Friday 2026-01-30 + 15 business days: 3 weeks = Friday 2026-02-20.
    assert_eq!(
        due_date(date(2026, 1, 30), business_days(15), &none),
        Ok(date(2026, 2, 20))
    );
    // Saturday start: the first business day is Monday.
    assert_eq!(
        due_date(date(2026, 10, 31), business_days(1), &none),
        Ok(date(2026, 11, 2))
    );
    // Thursday 2026-12-24 + 5 business days = Thursday 2026-12-31; with 25 Dec and 1 Jan as
    // holidays, Monday 2027-01-04 (28, 29, 30, 31 Dec, 4 Jan).
    assert_eq!(
        due_date(date(2026, 12, 24), business_days(5), &none),
        Ok(date(2026, 12, 31))
    );
    let holidays: Holidays = [date(2026, 12, 25), date(2027, 1, 1)].into_iter().collect();
    assert_eq!(
        due_date(date(2026, 12, 24), business_days(5), &holidays),
        Ok(date(2027, 1, 4))
    );
    // Holidays never move calendar deadlines.
    assert_eq!(
        due_date(date(2026, 12, 24), calendar_days(1), &holidays),
        Ok(date(2026, 12, 25))
    );
}

#[test]
fn pack_clocks_follow_the_pack() {
    let pack = pack();
    let none = Holidays::none();
    let knowledge = date(2026, 11, 6);
    assert_eq!(
        ai_training_report_due(&pack, knowledge, &none),
        Ok(date(2026, 11, 21))
    );
    assert_eq!(
        reseller_termination_due(&pack, knowledge, &none),
        Ok(date(2026, 12, 6))
    );
    assert_eq!(
        records_production_due(&pack, knowledge, &none),
        Ok(date(2026, 11, 16))
    );
    assert_eq!(
        verification_pending_until(&pack, knowledge),
        Ok(date(2026, 12, 6))
    );
    // A pack that counts the AI-training deadline in business days.
    let business = pack_with(
        "ai_training = ",
        "ai_training = { days = 15, count = \"business\" }",
    );
    // Friday 2026-11-06 + 15 business days = Friday 2026-11-27.
    assert_eq!(
        ai_training_report_due(&business, knowledge, &none),
        Ok(date(2026, 11, 27))
    );
    let rules = CaseRules::from_pack(&business);
    let mut new = new_case(CaseKind::AiTrainingReport, None);
    new.knowledge_date = knowledge;
    let case = Case::open(new, &rules, ActorId::system(), t0())
        .unwrap()
        .case;
    assert_eq!(case.due(), Some(date(2026, 11, 27)));
}

#[test]
fn annual_certification_falls_on_the_packs_day() {
    let pack = pack(); // annual_due = 31 January
    assert_eq!(
        annual_certification_due(&pack, None, date(2026, 11, 2)),
        Ok(date(2027, 1, 31))
    );
    assert_eq!(
        annual_certification_due(&pack, None, date(2027, 1, 31)),
        Ok(date(2027, 1, 31))
    );
    assert_eq!(
        annual_certification_due(&pack, Some(date(2027, 1, 31)), date(2027, 2, 1)),
        Ok(date(2028, 1, 31))
    );
    // Certified late (after the day): it answered that year's date, the next is next year's.
    assert_eq!(
        annual_certification_due(&pack, Some(date(2027, 2, 15)), date(2027, 2, 15)),
        Ok(date(2028, 1, 31))
    );
    // Certified early, on 10 January 2026 for the 31 January 2026 date: next is 2027's, which
    // by 1 March 2027 is overdue (the date stays in the past).
    assert_eq!(
        annual_certification_due(&pack, Some(date(2026, 1, 10)), date(2027, 3, 1)),
        Ok(date(2027, 1, 31))
    );
}

#[test]
fn special_measures_act_by_effect_and_lapse_after_the_packs_duration() {
    let dates = special_measure_dates(&pack(), date(2026, 11, 1), date(2027, 6, 1)).unwrap();
    assert_eq!(dates.act_by, date(2027, 6, 1));
    assert_eq!(dates.lapses, date(2028, 5, 31)); // 365 days, across 29 Feb 2028
    assert_eq!(dates.earliest_effect, date(2027, 4, 30));
    assert!(!dates.effective_too_early);
    let early = special_measure_dates(&pack(), date(2026, 11, 1), date(2026, 11, 1)).unwrap();
    assert!(early.effective_too_early);
}

#[test]
fn the_calendar_sorts_flags_and_counts() {
    let today = date(2026, 11, 20);
    let mut cases = Vec::new();
    // AI-training, known 2026-11-02: due 2026-11-17, overdue.
    cases.push(open(CaseKind::AiTrainingReport, None));
    // Records request known 2026-11-15: due 2026-11-25, due soon.
    let mut records = new_case(CaseKind::RecordsRequest, None);
    records.knowledge_date = date(2026, 11, 15);
    records.subject = Subject::Request(SubjectRef::parse("BIS-REQ-7").unwrap());
    cases.push(
        Case::open(records, &rules(), ActorId::system(), t0())
            .unwrap()
            .case,
    );
    // Reseller, known 2026-11-02: due 2026-12-02, later.
    cases.push(open(CaseKind::Reseller, None));
    // Undated and closed cases are left out.
    cases.push(open(CaseKind::ScreeningHit, None));
    cases.push(in_status(CaseStatus::Closed));
    let certification = DatedItem {
        due: annual_certification_due(&pack(), None, today).unwrap(),
        clock: ClockKind::AnnualCertification,
        title: "annual certification".into(),
        case: None,
        subject: None,
    };
    let due_today = DatedItem {
        due: today,
        clock: ClockKind::SpecialMeasureEffective,
        title: "measure KP takes effect".into(),
        case: None,
        subject: None,
    };
    let result = calendar(&cases, [certification, due_today], today, Days::new(7));
    let seen: Vec<(NaiveDate, ClockKind, DueState, i64)> = result
        .entries
        .iter()
        .map(|e: &CalendarEntry| (e.item.due, e.item.clock, e.state, e.days_left))
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                date(2026, 11, 17),
                ClockKind::AiTrainingReport,
                DueState::Overdue,
                -3
            ),
            (
                date(2026, 11, 20),
                ClockKind::SpecialMeasureEffective,
                DueState::DueSoon,
                0
            ),
            (
                date(2026, 11, 25),
                ClockKind::RecordsProduction,
                DueState::DueSoon,
                5
            ),
            (
                date(2026, 12, 2),
                ClockKind::ResellerTermination,
                DueState::Later,
                12
            ),
            (
                date(2027, 1, 31),
                ClockKind::AnnualCertification,
                DueState::Later,
                72
            ),
        ]
    );
    assert_eq!((result.overdue, result.due_soon), (1, 2));
    // The window is inclusive: with 12 days the reseller item is due soon too.
    let wider = calendar(&cases, [], today, Days::new(12));
    assert_eq!((wider.overdue, wider.due_soon), (1, 2));
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["entries"][0]["state"], "overdue");
    assert_eq!(json["entries"][0]["clock"], "ai_training_report");
    assert_eq!(json["entries"][2]["subject"]["type"], "request");
}

#[test]
fn calendar_ties_break_by_clock_then_title() {
    let today = date(2026, 11, 20);
    let item = |clock, title: &str| DatedItem {
        due: today,
        clock,
        title: title.into(),
        case: None,
        subject: None,
    };
    let result = calendar(
        &[],
        [
            item(ClockKind::CaseDue, "b"),
            item(ClockKind::AiTrainingReport, "z"),
            item(ClockKind::CaseDue, "a"),
        ],
        today,
        Days::new(0),
    );
    let titles: Vec<_> = result
        .entries
        .iter()
        .map(|e| e.item.title.as_str())
        .collect();
    assert_eq!(titles, ["z", "a", "b"]);
    assert_eq!(result.due_soon, 3);
}
