#include "filenamehints.h"

#include <mutex>

namespace heiko {

int FileNameHints::firstCandidate(const QString &pathWithoutNumber) const
{
    const std::lock_guard locker(m_mutex);
    const auto it = m_highest.constFind(pathWithoutNumber);
    return it == m_highest.cend() ? 0 : *it + 1;
}

void FileNameHints::taken(const QString &pathWithoutNumber, int number)
{
    const std::lock_guard locker(m_mutex);
    int &highest = m_highest[pathWithoutNumber];
    highest = qMax(highest, number);
}

} // namespace heiko
