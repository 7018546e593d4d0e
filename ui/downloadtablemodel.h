#pragma once

#include "downloadinfo.h"

#include <QAbstractTableModel>
#include <QColor>
#include <QHash>
#include <QList>
#include <QSet>
#include <QTimer>

#include <functional>

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
        // The pieces of a file fetched over several connections (QList<heiko::Segment>, sorted by start;
        // empty for one connection and once finished) and the file's size (qint64, -1 when unknown): what
        // the progress delegate needs to draw the pieces, without a copy of the whole DownloadInfo.
        SegmentsRole,
        BytesTotalRole,
    };

    explicit DownloadTableModel(heiko::DownloadManager &manager, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QString stateText(const heiko::DownloadInfo &info); // "Queued", "Retrying in 4 s", ...
    // "4 connections · 3 of 8 pieces done" while a segmented download runs, "3 of 8 pieces done" while
    // it waits; empty for a download without pieces.
    static QString piecesText(const heiko::DownloadInfo &info);

    // The colour that marks a worker thread (the log's colour for the same thread), shown beside the
    // Worker column so that a row and its log lines match at a glance.
    using WorkerColors = std::function<QColor(quint64 threadId)>;
    void setWorkerColors(WorkerColors colors) { m_workerColors = std::move(colors); }

    // Many downloads changing at once (an action on 10,000 selected rows): inside begin/endBulkUpdate the
    // model only notes what changed, and endBulkUpdate() applies it with one removal per range of rows and
    // one dataChanged, instead of one model signal (and one view update) per download.
    void beginBulkUpdate() { ++m_bulkDepth; }
    void endBulkUpdate();

    int idAt(int row) const;
    int rowOf(int id) const; // -1 when absent
    const heiko::DownloadInfo &infoAt(int row) const;

private:
    void handleAdded(int id);
    void handleChanged(int id);
    void handleProgress(const QList<int> &ids);
    void handleRemoved(int id);
    void rebuildRowIndex(int fromRow);
    void refresh(int id); // re-reads one row from the manager, notes a retry countdown
    void refreshCountdowns();

    heiko::DownloadManager &m_manager;
    QList<heiko::DownloadInfo> m_rows;
    QHash<int, int> m_rowOfId;
    WorkerColors m_workerColors;
    int m_bulkDepth = 0;
    QSet<int> m_pendingRemoved;
    QSet<int> m_pendingChanged;
    QSet<int> m_countingDown; // queued rows waiting for a retry: "Retrying in N s" must count down
    QTimer m_countdownTimer;
};
