// The tests start redis-servers, stop and pause them, and count threads: on a small shared machine they are
// steadier one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
