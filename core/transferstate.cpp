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

} // namespace heiko
