#include "logmodel.h"

#include "loghub.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

LogModel::LogModel(heiko::LogHub &hub, int maxRows, QObject *parent)
    : QAbstractTableModel(parent)
    , m_hub(hub)
    , m_maxRows(qMax(1, maxRows))
{
    connect(&hub, &heiko::LogHub::recordsAdded, this, &LogModel::fetchNew);
    fetchNew();
}

int LogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_records.size());
}

int LogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const heiko::LogRecord &record = m_records.at(index.row());
    switch (role) {
    case ThreadRole:
        return record.threadId;
    case LevelRole:
        return int(record.level);
    case DownloadRole:
        return record.downloadId;
    case Qt::ToolTipRole:
        return record.toText();
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time:
            return QDateTime::fromMSecsSinceEpoch(record.timeMs).toString(u"HH:mm:ss.zzz"_s);
        case Level:
            return heiko::LogRecord::levelName(record.level);
        case Process:
            return record.processId;
        case Thread:
            return record.threadId;
        case Download:
            return record.downloadId >= 0 ? QVariant(record.downloadId) : QVariant();
        case Where:
            return record.file ? QString::fromUtf8(record.file) + u':' + QString::number(record.line) : record.module();
        case Message:
            return record.message;
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant LogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Time:
        return tr("Time");
    case Level:
        return tr("Level");
    case Process:
        return tr("Process");
    case Thread:
        return tr("Thread");
    case Download:
        return tr("Download");
    case Where:
        return tr("Source");
    case Message:
        return tr("Message");
    default:
        return {};
    }
}

void LogModel::clear()
{
    beginResetModel();
    m_records.clear();
    endResetModel();
}

void LogModel::fetchNew()
{
    QList<heiko::LogRecord> fresh = m_hub.recordsSince(m_lastSequence);
    if (fresh.isEmpty())
        return;
    m_lastSequence = fresh.constLast().sequence;
    if (fresh.size() > m_maxRows)
        fresh.remove(0, fresh.size() - m_maxRows);
    const qsizetype overflow = m_records.size() + fresh.size() - m_maxRows;
    if (overflow > 0) {
        beginRemoveRows({}, 0, int(overflow - 1));
        m_records.remove(0, overflow);
        endRemoveRows();
    }
    const int first = int(m_records.size());
    beginInsertRows({}, first, first + int(fresh.size()) - 1);
    m_records.append(fresh);
    endInsertRows();
}
