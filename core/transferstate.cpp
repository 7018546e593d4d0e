#include "transferstate.h"

#include <QMutexLocker>

namespace heiko {

TransferState::Files TransferState::files() const
{
    QMutexLocker locker(&m_mutex);
    return m_files;
}

void TransferState::setFiles(const Files &files)
{
    QMutexLocker locker(&m_mutex);
    m_files = files;
}

} // namespace heiko
