#include "filenamehints.h"

#include <QMutexLocker>

namespace heiko {

int FileNameHints::firstCandidate(const QString &pathWithoutNumber) const
{
    QMutexLocker locker(&m_mutex);
    const auto it = m_highest.constFind(pathWithoutNumber);
    return it == m_highest.cend() ? 0 : *it + 1;
}

void FileNameHints::taken(const QString &pathWithoutNumber, int number)
{
    QMutexLocker locker(&m_mutex);
    int &highest = m_highest[pathWithoutNumber];
    highest = qMax(highest, number);
}

} // namespace heiko
