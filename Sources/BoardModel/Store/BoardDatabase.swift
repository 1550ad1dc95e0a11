/// A whole store: every role at once. The one place that turns `--db` into a store answers this; each
/// caller keeps only the roles it uses (docs/architecture.md §6).
public typealias BoardDatabase = IngestStore & JobDirectory & EvaluationStore & OutboxStore & LeaseStore & BoardReading
    & JobHistory & HealthReading & BoardActions & JobCatalog & UpkeepStore
