#pragma once

#include <QtGlobal>

#include <ctime>

namespace baton {

// Milliseconds on CLOCK_MONOTONIC: cheap (vDSO), comparable across threads, immune to clock steps.
inline qint64 monotonicMs()
{
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

// Nanoseconds on the same clock, for durations too short for milliseconds (request timings).
inline qint64 monotonicNs()
{
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

} // namespace baton
