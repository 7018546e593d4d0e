#pragma once

#include <QHash>
#include <QString>

#include <mutex>

namespace heiko {

// Remembers, per folder and file name, the highest " (n)" a download took, so that the next download of
// the same name, when the plain name is taken, looks on from there instead of from (1). Only a hint: the
// exclusive create is what makes a name ours, and a free lower number (a file deleted meanwhile) is simply
// not reused. Thread-safe; the
// manager owns one and its workers share it.
class FileNameHints final
{
public:
    int firstCandidate(const QString &pathWithoutNumber) const;
    void taken(const QString &pathWithoutNumber, int number);

private:
    mutable std::mutex m_mutex;
    QHash<QString, int> m_highest;
};

} // namespace heiko
