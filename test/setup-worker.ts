// Runs in every test worker before its test file is imported. Each test file (one process, one
// embedded ClickHouse) gets its own Kafka topic namespace on the shared test broker, so one file's
// pipeline never consumes another file's deliveries.
process.env.PLANEWATCH_TOPIC_PREFIX ??= `t${process.pid}.`;
