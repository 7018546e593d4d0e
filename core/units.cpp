#include "units.h"

using namespace Qt::StringLiterals;

namespace heiko::units {

QString formatBytes(qint64 bytes)
{
    if (bytes < 0)
        return u"?"_s;
    if (bytes < 1000)
        return QString::number(bytes) + u" B";
    static constexpr const char16_t *suffixes[] = { u" kB", u" MB", u" GB", u" TB", u" PB" };
    double value = double(bytes) / 1000.0;
    int index = 0;
    // 999.95 would print as "1000.0": the next unit then ("1.00 MB").
    while (value >= 999.95 && index < 4) {
        value /= 1000.0;
        ++index;
    }
    return QString::number(value, 'f', value < 10.0 ? 2 : 1) + QStringView(suffixes[index]);
}

QString formatSpeed(double bytesPerSecond)
{
    return formatBytes(qint64(bytesPerSecond)) + u"/s";
}

QString formatDuration(qint64 seconds)
{
    if (seconds < 0)
        return u"-"_s;
    if (seconds < 60)
        return QString::number(seconds) + u's';
    if (seconds < 3600)
        return u"%1m%2s"_s.arg(seconds / 60).arg(seconds % 60, 2, 10, QChar(u'0'));
    if (seconds < 86'400)
        return u"%1h%2m"_s.arg(seconds / 3600).arg((seconds % 3600) / 60, 2, 10, QChar(u'0'));
    // Days: "243h56m" did not fit the window's ETA column.
    return u"%1d%2h"_s.arg(seconds / 86'400).arg((seconds % 86'400) / 3600, 2, 10, QChar(u'0'));
}

int rateAsKiB(qint64 bytesPerSecond, int maximumKiB)
{
    if (bytesPerSecond <= 0)
        return 0;
    return int(qBound(qint64(1), bytesPerSecond / 1024, qint64(maximumKiB)));
}

qint64 rateFromField(int fieldKiB, int maximumKiB, qint64 current)
{
    return fieldKiB == rateAsKiB(current, maximumKiB) ? current : qint64(fieldKiB) * 1024;
}

} // namespace heiko::units
