#pragma once

#include <QString>

// Human-readable sizes, speeds and durations for logs, the terminal and the window (SI units, as
// browsers and most download managers show them).
namespace heiko::units {

QString formatBytes(qint64 bytes); // "512 B", "1.5 kB", "200.0 MB", "4.3 GB"
QString formatSpeed(double bytesPerSecond); // "12.3 MB/s"
QString formatDuration(qint64 seconds); // "42s", "3m05s", "2h01m"; "-" when negative (unknown)

} // namespace heiko::units
