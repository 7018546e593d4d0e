#pragma once

#include "downloadinfo.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>

namespace heiko {
class DownloadManager;
}

// The downloads table: one row per download, fed by the manager's signals. Progress arrives in batches
// (at most ten a second) and becomes one dataChanged() over the range of rows that moved.
class DownloadTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DownloadTableModel)

public:
    enum Column { Name, Progress, Size, Done, Speed, Eta, State, Worker, Url, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole + 1, // the raw value behind a cell, for sorting and the progress delegate
        IdRole,
        StateRole,
    };

    explicit DownloadTableModel(heiko::DownloadManager &manager, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QString stateText(const heiko::DownloadInfo &info); // "Queued", "Retrying in 4 s", ...

    int idAt(int row) const;
    int rowOf(int id) const; // -1 when absent
    const heiko::DownloadInfo &infoAt(int row) const;

private:
    void handleAdded(int id);
    void handleChanged(int id);
    void handleProgress(const QList<int> &ids);
    void handleRemoved(int id);
    void rebuildRowIndex(int fromRow);

    heiko::DownloadManager &m_manager;
    QList<heiko::DownloadInfo> m_rows;
    QHash<int, int> m_rowOfId;
};
