#pragma once

#include <QString>

// Human-readable sizes, speeds and durations for logs, the terminal and the window (SI units, as
// browsers and most download managers show them).
namespace heiko::units {

QString formatBytes(qint64 bytes); // "512 B", "1.50 kB", "200.0 MB", "4.30 GB"
QString formatSpeed(double bytesPerSecond); // "12.3 MB/s"
QString formatDuration(qint64 seconds); // "42s", "3m05s", "2h01m", "10d03h"; "-" when negative (unknown)

// A speed limit for a field in whole KiB/s (0 showing "none"): one below 1 KiB/s (--limit-rate 500) shows as
// 1, not as "none", and one beyond the field as its maximum. A field left as shown must keep the exact limit:
// see rateFromField().
int rateAsKiB(qint64 bytesPerSecond, int maximumKiB);
// What a field in whole KiB/s sets: `current` itself when the field still shows what rateAsKiB() made of it.
qint64 rateFromField(int fieldKiB, int maximumKiB, qint64 current);

} // namespace heiko::units
