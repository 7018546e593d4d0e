#pragma once

#include <QStyledItemDelegate>

// Paints the Progress column as a progress bar from the model's raw fraction (DownloadTableModel::SortRole),
// with the style's own progress bar so it looks native everywhere. Only visible rows are painted, so the
// cost does not grow with the number of downloads.
class ProgressDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProgressDelegate)

public:
    explicit ProgressDelegate(QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};
