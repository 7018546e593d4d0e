#include "downloadfilterproxy.h"

#include "downloadtablemodel.h"

DownloadFilterProxy::DownloadFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(DownloadTableModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    // Progress arrives ten times a second: re-sorting and re-filtering on every dataChanged would make a
    // sorted 10,000-row table jump around. The user re-sorts by clicking a header.
    setDynamicSortFilter(false);
}

void DownloadFilterProxy::setFilterText(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_text)
        return;
    m_text = trimmed;
    invalidateRowsFilter();
}

bool DownloadFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (m_text.isEmpty())
        return true;
    const auto *model = qobject_cast<const DownloadTableModel *>(sourceModel());
    if (!model || sourceParent.isValid())
        return true;
    const heiko::DownloadInfo &info = model->infoAt(sourceRow);
    return info.fileName.contains(m_text, Qt::CaseInsensitive)
        || info.displayUrl.contains(m_text, Qt::CaseInsensitive);
}
