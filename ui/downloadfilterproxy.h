#pragma once

#include <QSortFilterProxyModel>

// The downloads table's sort and filter: sorts on the model's raw values (so "9 MB" sorts before
// "10 MB"), and keeps the rows whose name or URL contains the filter text. Without a sort column the
// rows stay in queue order.
class DownloadFilterProxy final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DownloadFilterProxy)

public:
    explicit DownloadFilterProxy(QObject *parent = nullptr);

    void setFilterText(const QString &text);
    QString filterText() const { return m_text; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
};
