#include "transferstate.h"

#include <mutex>

namespace heiko {

TransferState::Files TransferState::files() const
{
    const std::lock_guard locker(m_mutex);
    return m_files;
}

void TransferState::setFiles(const Files &files)
{
    const std::lock_guard locker(m_mutex);
    m_files = files;
}

QList<Segment> TransferState::segments() const
{
    const std::lock_guard locker(m_mutex);
    return m_segments;
}

void TransferState::setSegments(const QList<Segment> &segments)
{
    const std::lock_guard locker(m_mutex);
    m_segments = segments;
}

} // namespace heiko
