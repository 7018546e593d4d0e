#include "segment.h"

#include <limits>

namespace heiko::segments {

QList<Segment> split(qint64 from, qint64 total, int count, qint64 minimumSize)
{
    QList<Segment> result;
    if (from >= total)
        return result;
    const qint64 size = total - from;
    const qint64 pieces
        = qBound(qint64(1), qMin(qint64(count), size / qMax(qint64(1), minimumSize)), qint64(1024));
    result.reserve(pieces);
    for (qint64 i = 0; i < pieces; ++i) {
        // The remainder is spread one byte at a time over the first pieces, so no piece is tiny.
        const qint64 start = from + size / pieces * i + qMin(i, size % pieces);
        const qint64 end = from + size / pieces * (i + 1) + qMin(i + 1, size % pieces);
        result.append({ start, start, end });
    }
    return result;
}

std::optional<Segment> splitOff(Segment &victim, qint64 minimumSize)
{
    const qint64 left = victim.remaining();
    if (left < 2 * qMax(qint64(1), minimumSize))
        return std::nullopt;
    const qint64 middle = victim.position + left / 2;
    const Segment stolen { middle, middle, victim.end };
    victim.end = middle;
    return stolen;
}

qint64 remainingBytes(const QList<Segment> &segments)
{
    qint64 left = 0;
    for (const Segment &segment : segments)
        left += qMax<qint64>(0, segment.remaining());
    return left;
}

int usefulConnections(const QList<Segment> &segments, qint64 minimumSize)
{
    qint64 connections = 0;
    for (const Segment &segment : segments) {
        if (!segment.isDone())
            connections += qMax<qint64>(1, segment.remaining() / qMax<qint64>(1, minimumSize));
    }
    return int(qMin<qint64>(connections, std::numeric_limits<int>::max()));
}

qint64 writtenLength(const QList<Segment> &segments, qint64 total)
{
    // From the end: bytes after a piece, or the written start of one, are the last written byte.
    qint64 cursor = total;
    for (auto it = segments.crbegin(); it != segments.crend(); ++it) {
        if (it->end < cursor)
            return cursor;
        if (it->position > it->start)
            return it->position;
        cursor = it->start;
    }
    return cursor;
}

bool isConsistent(const QList<Segment> &segments, qint64 total)
{
    qint64 previousEnd = 0;
    for (const Segment &segment : segments) {
        if (segment.start < previousEnd || segment.position < segment.start || segment.end < segment.position
            || segment.end > total)
            return false;
        previousEnd = segment.end;
    }
    return true;
}

} // namespace heiko::segments
