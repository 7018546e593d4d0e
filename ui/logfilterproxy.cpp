#include "logfilterproxy.h"

#include "logmodel.h"

LogFilterProxy::LogFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    // The log is in arrival order; nothing may re-sort or re-filter rows behind the user's back.
    setDynamicSortFilter(false);
}

void LogFilterProxy::setSourceModel(QAbstractItemModel *sourceModel)
{
    m_logModel = qobject_cast<LogModel *>(sourceModel);
    QSortFilterProxyModel::setSourceModel(sourceModel);
}

void LogFilterProxy::setMinimumLevel(heiko::LogLevel level)
{
    if (level == m_minimumLevel)
        return;
    m_minimumLevel = level;
    refilter();
}

void LogFilterProxy::setTextFilter(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    refilter();
}

void LogFilterProxy::setDownloadIds(const QSet<int> &ids)
{
    if (ids == m_downloadIds)
        return;
    m_downloadIds = ids;
    refilter();
}

void LogFilterProxy::refilter()
{
    invalidate(); // not invalidateRowsFilter(): see the class comment
}

const heiko::LogRecord &LogFilterProxy::recordAt(int proxyRow) const
{
    Q_ASSERT(m_logModel);
    return m_logModel->recordAt(mapToSource(index(proxyRow, 0)).row());
}

bool LogFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (sourceParent.isValid())
        return false;
    if (m_logModel) {
        const heiko::LogRecord &record = m_logModel->recordAt(sourceRow);
        if (record.level < m_minimumLevel)
            return false;
        if (!m_downloadIds.isEmpty() && !m_downloadIds.contains(record.downloadId))
            return false;
        return m_text.isEmpty() || textMatches(record);
    }

    const QAbstractItemModel *model = sourceModel();
    const QModelIndex first = model->index(sourceRow, 0, sourceParent);
    if (model->data(first, LogModel::LevelRole).toInt() < int(m_minimumLevel))
        return false;
    if (!m_downloadIds.isEmpty()
        && !m_downloadIds.contains(model->data(first, LogModel::DownloadRole).toInt()))
        return false;
    if (m_text.isEmpty())
        return true;
    for (const int column : { int(LogModel::Message), int(LogModel::Source), int(LogModel::Thread) }) {
        if (model->data(model->index(sourceRow, column, sourceParent))
                .toString()
                .contains(m_text, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

bool LogFilterProxy::textMatches(const heiko::LogRecord &record) const
{
    if (record.message.contains(m_text, Qt::CaseInsensitive))
        return true;
    if (LogModel::sourceText(record).contains(m_text, Qt::CaseInsensitive))
        return true;
    return QString::number(record.threadId).contains(m_text);
}
