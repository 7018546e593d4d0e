#pragma once

#include <QList>
#include <QtGlobal>

#include <optional>

namespace heiko {

// One piece of a file fetched over its own connection: the bytes [start, end), of which [start, position)
// are written. A download fetched over one connection has no segments at all.
struct Segment
{
    qint64 start = 0;
    qint64 position = 0;
    qint64 end = 0;

    qint64 remaining() const { return end - position; }
    bool isDone() const { return position >= end; }
    friend bool operator==(const Segment &, const Segment &) = default;
};

namespace segments {

// A segment is never made smaller than this: below it, another request costs more than it saves.
inline constexpr qint64 kMinimumSize = 1024 * 1024;

// [from, total) in `count` pieces of nearly equal size, fewer when a piece would be smaller than
// `minimumSize` (at least one piece when from < total, none otherwise).
QList<Segment> split(qint64 from, qint64 total, int count, qint64 minimumSize = kMinimumSize);

// Work stealing: the second half of what `victim` has left becomes a new segment, and the victim now ends
// where that begins. Nothing when fewer than two minimum sizes are left (the victim finishes it sooner
// than a new connection could start).
std::optional<Segment> splitOff(Segment &victim, qint64 minimumSize = kMinimumSize);

qint64 remainingBytes(const QList<Segment> &segments);

// How many connections can work on what is left at once: each unfinished segment, and as many more as
// splitting it into pieces of at least `minimumSize` would make.
int usefulConnections(const QList<Segment> &segments, qint64 minimumSize = kMinimumSize);

// How long a .part fetched in these pieces (sorted, not overlapping) is at least: every byte no piece has
// left to fetch is written, so the file reaches the last of them (`total` when the last piece is done).
qint64 writtenLength(const QList<Segment> &segments, qint64 total);

// Segments read back from a saved queue: within [0, total), start <= position <= end, sorted and not
// overlapping. Anything else is not trusted (the download then starts over).
bool isConsistent(const QList<Segment> &segments, qint64 total);

} // namespace segments

} // namespace heiko
